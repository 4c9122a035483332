# SCE-MAE DeiT-S landmark detection on AFLW_M (MTFL layout; paper Table 2:
# 5.33 % NME). Protocol: docs/protocols.md, "Landmark detection"; the
# commands as in sce_mae_deit_s_mafl.py.
_base_ = [
    '../_base_/datasets/aflw_m.py', '../_base_/models/regressor_deit_s.py',
    '../_base_/schedules/regressor_cl.py'
]

# CL stops its cosine at epoch 45 on AFLW_M
train_cfg = dict(max_epochs=45, val_interval=15)
default_hooks = dict(checkpoint=dict(interval=5))
