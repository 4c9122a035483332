# SCE-MAE DeiT-S landmark detection on AFLW_M (MTFL layout; paper Table 2:
# 5.33 % NME). See sce_mae_deit_s_mafl.py for the commands.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/aflw_m.py',
    './_base_/regressor_deit_s.py'
]

# CL stops its 200-epoch cosine schedule at epoch 120 (MAFL), 45 (AFLW_M,
# AFLW_R), 80 (300W)
max_epochs = 45

# the regressor base's pipelines (DVE crop with context), mmengine's `_base_`
train_pipeline = _base_.det_train_pipeline  # noqa: F821
val_pipeline = _base_.det_test_pipeline  # noqa: F821
test_pipeline = val_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

# NME in the 96-px input frame (`NME`, the paper's metric), mmpose's
# original-frame NME (`NME_original`), mean-shape baseline
# (`NME_mean_shape`)
val_evaluator = dict(type='InputFrameNME', keypoint_indices=[0, 1])
test_evaluator = val_evaluator

# CL's schedule (see _base_/regressor_deit_s.py) stopped at epoch
# max_epochs; the test split is evaluated every val_interval epochs for the
# log only: no checkpoint is selected on it, the last one is reported
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=15)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_last=True))
