# SCE-MAE DeiT-S landmark detection on 300W (68 points; paper Table 2:
# 3.94 % NME, outer-eye-corner distance). The common / challenging subset:
#   --cfg-options test_dataloader.dataset.subset=common
# Protocol: docs/protocols.md, "Landmark detection".
_base_ = [
    '../_base_/datasets/300w.py', '../_base_/models/regressor_deit_s.py',
    '../_base_/schedules/regressor_cl.py'
]

model = dict(head=dict(num_keypoints=68))
# CL stops its cosine at epoch 80 on 300W
train_cfg = dict(max_epochs=80, val_interval=20)
default_hooks = dict(checkpoint=dict(interval=10))
