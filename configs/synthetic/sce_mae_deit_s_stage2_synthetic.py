# Stage 2 (DeiT-S) on the synthetic CelebA set: a couple of CPU minutes,
# 2 epochs at batch 16 on a stage-1 checkpoint of
# sce_mae_deit_s_stage1_synthetic.py (another: --cfg-options
# model.backbone.checkpoint=PATH). The quick start caps its faces at 4,036
# (train_dataloader.dataset.indices): 504 steps. Why: docs/protocols.md,
# "The quick start's configs".
#   python tools/make_synthetic_faces.py --out data/synthetic --num 2000
#   python tools/train.py configs/synthetic/sce_mae_deit_s_stage1_synthetic.py
#   python tools/train.py configs/synthetic/sce_mae_deit_s_stage2_synthetic.py
_base_ = ['../sce_mae_deit_s_stage2.py', '../_base_/datasets/synthetic.py']

data_root = 'data/synthetic/celeba'
batch_size = 16
max_epochs = 2
warmup_iters = 10
stage1_checkpoint = 'work_dirs/sce_mae_deit_s_stage1_synthetic/epoch_32.pth'

model = dict(backbone=dict(checkpoint=stage1_checkpoint))
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=False,
    pin_memory=False,
    dataset=_base_.synthetic.celeba)  # noqa: F821
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=0.0,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    logger=dict(interval=5), checkpoint=dict(interval=1, max_keep_ckpts=1))
log_processor = dict(window_size=5)
