# Shared by the 5- and 68-point face detection sets (mafl.py, aflw_m.py,
# aflw_r.py, 300w.py): DVE crop, TPS augmentation, mmpose's RegressionLabel
# codec and NME. Each dataset file sets only its reader, root and metric.
codec = dict(type='RegressionLabel', input_size=(96, 96))
pack_meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
                  'img_shape', 'input_size', 'input_center', 'input_scale',
                  'context', 'dataset_name')

# DVE's training warp (SPEC section 4); DVE's Warper scales every sd by 0.5
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=0),
    dict(type='RandomTPSWarp', warpsd_all=0.001, warpsd_subset=0.01,
         transsd=0.1, scalesd=0.1, rotsd=5., multiplier=0.5),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=pack_meta_keys),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=0),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=pack_meta_keys),
]
test_pipeline = val_pipeline

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

# NME normalised by the inter-ocular (eye-centre) distance; mmpose returns
# a fraction (x100 for the paper's percent)
val_evaluator = dict(
    type='NME', norm_mode='keypoint_distance', keypoint_indices=[0, 1])
test_evaluator = val_evaluator
