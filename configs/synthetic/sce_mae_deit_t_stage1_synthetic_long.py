# Stage 1 (DeiT-T MAE) for the quick start's long mode
# (tools/quickstart.py --long: 8,000 synthetic faces, 3,200 of them in the
# CelebA training partition): 12 epochs, 2,400 iterations at batch 16, a
# checkpoint every 3 epochs kept for the learning curve.
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

max_epochs = 12
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
default_hooks = dict(checkpoint=dict(interval=3, max_keep_ckpts=4))
