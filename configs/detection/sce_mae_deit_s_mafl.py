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

max_epochs = 120  # CL's MAFL schedule (cosine)

# the regressor base's pipelines (DVE crop with context), mmengine's `_base_`
train_pipeline = _base_.det_train_pipeline  # noqa: F821
val_pipeline = _base_.det_test_pipeline  # noqa: F821
test_pipeline = val_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

# mmpose's NME x 100 (NMEPercent), key `NME`
val_evaluator = dict(
    type='NMEPercent', norm_mode='keypoint_distance', keypoint_indices=[0, 1])
test_evaluator = val_evaluator

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=20)
val_cfg = dict()
test_cfg = dict()
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0.,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(
        interval=10, max_keep_ckpts=1, save_best='NME', rule='less'))
