# Stage 1 (DeiT-T MAE) for the quick start's long mode
# (tools/quickstart.py --long: 8,000 synthetic faces, 3,196 of them in the
# CelebA training partition): 48 epochs, 9,552 iterations at batch 16,
# 152,832 images seen (4x the quick start); learning-curve checkpoints at
# epochs 6, 12, 24 and 48 (19,104 / 38,208 / 76,416 / 152,832 images).
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

max_epochs = 48
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
    checkpoint=dict(curve_epochs=[6, 12, 24, 48], images_per_epoch=3184))
