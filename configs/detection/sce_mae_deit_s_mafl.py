# SCE-MAE DeiT-S landmark detection on MAFL (paper Table 2: 2.08 % NME).
# Frozen backbone + projector (stage-2 checkpoint), the paper's regressor
# (see _base_/regressor_deit_s.py). NME in percent of the inter-ocular
# (eye-centre, points 0 and 1) distance, printed by tools/test.py as `NME`.
#
#   python tools/train.py configs/detection/sce_mae_deit_s_mafl.py \
#       --cfg-options model.init_cfg.checkpoint=STAGE2.pth
#   python tools/test.py configs/detection/sce_mae_deit_s_mafl.py \
#       work_dirs/sce_mae_deit_s_mafl/epoch_120.pth
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/mafl.py',
    './_base_/regressor_deit_s.py'
]

# CL stops its 200-epoch cosine schedule at epoch 120 (MAFL), 45 (AFLW_M,
# AFLW_R), 80 (300W)
max_epochs = 120

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
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=20)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=10, max_keep_ckpts=1, save_last=True))
