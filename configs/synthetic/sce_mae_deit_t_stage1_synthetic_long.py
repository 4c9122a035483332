# Stage 1 (DeiT-T MAE) for the quick start's long mode (tools/quickstart.py
# --long: 11,196 training faces): 10 epochs, 6,990 iterations at batch 16,
# warmed up over the first epoch; learning-curve checkpoints at epochs 1, 2,
# 3, 5 and 10, a resume point every epoch. docs/protocols.md, "The quick
# start's configs".
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

max_epochs = 10
param_scheduler = [
    _base_.param_scheduler[0],  # noqa: F821  (the one-epoch warm-up)
    dict(_base_.param_scheduler[1], T_max=max_epochs - 1,  # noqa: F821
         end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    checkpoint=dict(curve_epochs=[1, 2, 3, 5, 10], images_per_epoch=11184))
