# Stage 1 (DeiT-T MAE) for the quick start's reference run
# (tools/quickstart.py --reference: 25,000 synthetic faces, 9,996 of them
# in the CelebA training partition): 31 epochs of 9,984 images (batch 16,
# last partial batch dropped), 309,504 images seen, each face seen 31
# times. Learning-curve checkpoints (weights only, curve_epoch_N.pth) at 7
# epochs about evenly spaced in log(images seen): 9,984 / 19,968 / 29,952 /
# 49,920 / 99,840 / 179,712 / 309,504 images.
# Resume points every epoch (epoch_N.pth, the last one kept).
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

max_epochs = 31
warmup_epochs = 1
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
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(
        type='CurveCheckpointHook',
        interval=1,
        max_keep_ckpts=1,
        curve_epochs=[1, 2, 3, 5, 10, 18, 31],
        images_per_epoch=9984))
