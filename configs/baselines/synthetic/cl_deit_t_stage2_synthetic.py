# ../cl_deit_t_stage2.py (ContrastLandmark's own second stage) on the
# synthetic CelebA set: the data, batch and epochs of
# configs/synthetic/sce_mae_deit_t_stage2_synthetic.py, CL's optimiser, and
# model selection on 40 synthetic MAFL training images (20 pairs).
#   python tools/train.py \
#       configs/baselines/synthetic/cl_deit_t_stage2_synthetic.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = ['../cl_deit_t_stage2.py']

data_root = 'data/synthetic/celeba'
batch_size = 16
max_epochs = 2
base_lr = 1e-3

model = dict(
    backbone=dict(
        checkpoint='work_dirs/sce_mae_deit_t_stage1_synthetic/epoch_32.pth'))
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(data_root=data_root, check_size=False))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(data_root=data_root, check_size=False, max_images=40))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=base_lr * 0.2**3 * 0.1,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=1, max_keep_ckpts=1))
log_processor = dict(window_size=5)
