# SCE-MAE DeiT-S landmark detection on MAFL (paper Table 2: 2.08 % NME,
# inter-ocular). Protocol: docs/protocols.md, "Landmark detection".
#   python tools/train.py configs/detection/sce_mae_deit_s_mafl.py \
#       --cfg-options model.init_cfg.checkpoint=STAGE2.pth
#   python tools/test.py configs/detection/sce_mae_deit_s_mafl.py \
#       work_dirs/sce_mae_deit_s_mafl/epoch_120.pth
_base_ = [
    '../_base_/datasets/mafl.py', '../_base_/models/regressor_deit_s.py',
    '../_base_/schedules/regressor_cl.py'
]

# CL stops its cosine at epoch 120 (MAFL), 45 (AFLW_M, AFLW_R), 80 (300W)
train_cfg = dict(max_epochs=120, val_interval=20)
default_hooks = dict(checkpoint=dict(interval=10))
