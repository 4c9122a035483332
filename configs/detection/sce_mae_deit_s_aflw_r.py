# SCE-MAE DeiT-S landmark detection on AFLW_R (paper Table 2: 5.40 % NME on
# the original test labels, AFLW_RO). AFLW_RC (corrected labels, not public):
#   python tools/test.py configs/detection/sce_mae_deit_s_aflw_r.py CKPT \
#       --cfg-options test_dataloader.dataset.test_keypoint_file=RC.mat
# Protocol: docs/protocols.md, "Landmark detection".
_base_ = [
    '../_base_/datasets/aflw_r.py', '../_base_/models/regressor_deit_s.py',
    '../_base_/schedules/regressor_cl.py'
]

# CL stops its cosine at epoch 45 on AFLW_R
train_cfg = dict(max_epochs=45, val_interval=15)
default_hooks = dict(checkpoint=dict(interval=5))
