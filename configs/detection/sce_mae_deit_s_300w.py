# SCE-MAE DeiT-S landmark detection on 300W (68 points; paper Table 2:
# 3.94 % NME, normalised by the outer-eye-corner distance, points 36 and
# 45). Test on the common / challenging subset with
#   --cfg-options test_dataloader.dataset.subset=common
# See sce_mae_deit_s_mafl.py for the other commands.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/300w.py',
    './_base_/regressor_deit_s.py'
]

max_epochs = 80  # CL's 300W schedule (cosine)

model = dict(head=dict(num_keypoints=68))

# the regressor base's pipelines (DVE crop with context), mmengine's `_base_`
train_pipeline = _base_.det_train_pipeline  # noqa: F821
val_pipeline = _base_.det_test_pipeline  # noqa: F821
test_pipeline = val_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

val_evaluator = dict(
    type='NMEPercent',
    norm_mode='keypoint_distance',
    keypoint_indices=[36, 45])
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
