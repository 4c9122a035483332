# Stage 1 (DeiT-T MAE) on the synthetic CelebA set: the quick start's first
# stage, a few CPU minutes. The paper's model (../sce_mae_deit_t_stage1.py)
# on a CPU budget: 3 epochs of 11,196 faces (2,097 iterations at batch 16),
# a larger lr warmed up over the first epoch, then a cosine to zero, and
# MAE's lighter 2 x 128 decoder. Why this recipe: docs/protocols.md,
# "The quick start's configs".
#   python tools/make_synthetic_faces.py --out data/synthetic --num 3000 \
#       --extra-celeba-train 10000
#   python tools/train.py configs/synthetic/sce_mae_deit_t_stage1_synthetic.py
_base_ = ['../sce_mae_deit_t_stage1.py', '../_base_/datasets/synthetic.py']

data_root = 'data/synthetic/celeba'
batch_size = 16
max_epochs = 3
warmup_epochs = 1
base_lr = 1.5e-3
images_per_epoch = 11184  # 11,196 faces, drop_last at batch 16

model = dict(neck=dict(decoder_embed_dim=128, decoder_depth=2))
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=1,
    persistent_workers=False,
    pin_memory=False,
    dataset=_base_.synthetic.celeba)  # noqa: F821
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
# a resume point every epoch; weights-only checkpoints at epochs 1, 2 and 3
# (curve_epoch_N.pth) are the learning curve's points
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(
        type='CurveCheckpointHook',
        interval=1,
        max_keep_ckpts=1,
        curve_epochs=[1, 2, 3],
        images_per_epoch=images_per_epoch))
log_processor = dict(window_size=10)
