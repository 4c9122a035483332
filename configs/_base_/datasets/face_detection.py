# Shared by the 5- and 68-point face detection sets (mafl.py, aflw_m.py,
# aflw_r.py, 300w.py): DVE crop, mmpose's RegressionLabel codec and the
# input-frame NME. Each dataset file sets only its reader, root and metric.
# No augmentation in training: the full-annotation protocol of Table 2
# (DVE caches descriptors, CL passes no --TPS_aug); the limited-annotation
# configs add DVE's WarperSingle warp.
codec = dict(type='RegressionLabel', input_size=(96, 96))
pack_meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
                  'img_shape', 'input_size', 'input_center', 'input_scale',
                  'context', 'dataset_name')

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=0),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=pack_meta_keys),
]
# no targets at test time (inference on unlabelled images); the metric
# reads the packed ground truth
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=0),
    dict(type='PackPoseInputs', meta_keys=pack_meta_keys),
]
test_pipeline = val_pipeline
data_mode = 'topdown'  # mmpose's MMPoseInferencer reads it

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
