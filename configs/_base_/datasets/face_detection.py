# Shared by the 5- and 68-point face detection sets (mafl.py, aflw_m.py,
# aflw_r.py, 300w.py): the 136 -> 96 DVE crop with `context` real pixels
# around it (cover-and-stride reads them instead of padding), mmpose's
# RegressionLabel targets and the input-frame NME. Each dataset file sets
# only its reader, root and metric. No augmentation with all annotations
# (Table 2), which keeps the feature cache valid; the limited-annotation
# configs train on det_limited_train_pipeline (DVE's WarperSingle).
context = 4  # real pixels kept around the 96-px crop (P / 2)
codec = dict(type='RegressionLabel', input_size=(96, 96))
# tps_params / flip are packed when a random warp or flip ran, so the
# feature cache refuses augmented samples instead of freezing one draw
pack_meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
                  'img_shape', 'input_size', 'input_center', 'input_scale',
                  'context', 'dataset_name', 'flip_indices', 'flip',
                  'tps_params')

# no augmentation in training; the test pipeline makes no targets
# (mmpose's inference_topdown / MMPoseInferencer run it on unlabelled
# images; the metric reads the packed ground truth)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=context),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=pack_meta_keys),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=context),
    dict(type='PackPoseInputs', meta_keys=pack_meta_keys),
]
test_pipeline = val_pipeline
data_mode = 'topdown'  # mmpose's MMPoseInferencer reads it
# Table 3: DVE's WarperSingle (DVE applies it at full strength)
det_limited_train_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=context),
    dict(
        type='RandomTPSWarp',
        warpsd_all=0.0005,
        warpsd_subset=0.0,
        transsd=0.02,
        scalesd=0.02,
        rotsd=2.,
        multiplier=1.0),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=pack_meta_keys),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        split='test',
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

# NME (percent) in the 96-px input frame normalised by the inter-ocular
# (eye-centre) distance, as DVE's inter_ocular_error; also mmpose's
# original-frame NME (`NME_original`) and the mean-shape baseline
# (`NME_mean_shape`, with MeanShapeBaselineHook)
val_evaluator = dict(type='InputFrameNME', keypoint_indices=[0, 1])
test_evaluator = val_evaluator
