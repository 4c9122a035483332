# Stage 1 (DeiT-T MAE) for the quick start's long mode
# (tools/quickstart.py --long: 8,000 synthetic faces and 8,000 more in the
# CelebA training partition, 11,196 training faces; the idea of row
# `faces4k` of the stage-1 recipe study, more distinct faces seen fewer
# times, docs/benchmark.md): 10 epochs, 6,990 iterations at batch
# 16, 111,840 images seen, warmed up over the first epoch (the trait the
# quick start's `faces11k` recipe took from it); learning-curve checkpoints
# at epochs 1, 2, 3, 5 and 10 (11,184 / 22,368 / 33,552 / 55,920 / 111,840
# images), a resume point every epoch.
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

max_epochs = 10
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
    checkpoint=dict(curve_epochs=[1, 2, 3, 5, 10], images_per_epoch=11184))
