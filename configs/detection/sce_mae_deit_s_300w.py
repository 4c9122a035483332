# SCE-MAE DeiT-S landmark detection on 300W (68 points; paper Table 2:
# 3.94 % NME, normalised by the outer-eye-corner distance, points 36 and
# 45). Test on the common / challenging subset with
#   --cfg-options test_dataloader.dataset.subset=common
# See sce_mae_deit_s_mafl.py for the other commands.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/300w.py',
    './_base_/regressor_deit_s.py'
]

# CL stops its 200-epoch cosine schedule at epoch 120 (MAFL), 45 (AFLW_M,
# AFLW_R), 80 (300W)
max_epochs = 80

model = dict(head=dict(num_keypoints=68))

# the regressor base's pipelines (DVE crop with context), mmengine's `_base_`
train_pipeline = _base_.det_train_pipeline  # noqa: F821
val_pipeline = _base_.det_test_pipeline  # noqa: F821
test_pipeline = val_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

# NME in the 96-px input frame (`NME`, the paper's metric), mmpose's
# original-frame NME (`NME_original`), mean-shape baseline
# (`NME_mean_shape`)
val_evaluator = dict(type='InputFrameNME', keypoint_indices=[36, 45])
test_evaluator = val_evaluator

# CL's schedule (see _base_/regressor_deit_s.py) stopped at epoch
# max_epochs; the test split is evaluated every val_interval epochs for the
# log only: no checkpoint is selected on it, the last one is reported
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=20)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=10, max_keep_ckpts=1, save_last=True))
