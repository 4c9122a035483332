# 300W 68-point detection, DVE split (train 3,148 / test 689 = common 554 +
# challenging 135: set subset='common'|'challenging' in the test dataset).
# Samples: box-based 100x100 window (box scaled to 52 px, 2 px up) -> 136 ->
# centre crop 96. For the synthetic set:
# data_root='data/synthetic/300w/300w' and check_size=False in the datasets.
dataset_type = 'Face300WDVEDataset'
data_root = 'data/300w/300w'
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
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        subset='full',
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

# NME normalised by the outer-eye-corner distance (points 36, 45); mmpose
# returns a fraction (x100 for the paper's percent)
val_evaluator = dict(
    type='NME', norm_mode='keypoint_distance', keypoint_indices=[36, 45])
test_evaluator = val_evaluator
