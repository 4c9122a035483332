# Stage 1 (DeiT-T MAE) for the quick start's long mode
# (tools/quickstart.py --long: 8,000 synthetic faces, 3,196 of them in the
# CelebA training partition): 36 epochs, 7,164 iterations at batch 16,
# 114,624 images seen (3x the quick start); learning-curve checkpoints at
# epochs 4, 9, 18 and 36 (12,736 / 28,656 / 57,312 / 114,624 images).
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

max_epochs = 36
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 1,
        eta_min=0.0,
        by_epoch=True,
        begin=1,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    checkpoint=dict(curve_epochs=[4, 9, 18, 36], images_per_epoch=3184))
