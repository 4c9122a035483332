# 300W 68-point detection, DVE split (train 3,148 / test 689 = common 554 +
# challenging 135: set subset='common'|'challenging' in the test dataset).
# Samples: box-based 100x100 window (box scaled to 52 px, 2 px up) -> 136 ->
# centre crop 96. For the synthetic set:
# data_root='data/synthetic/300w/300w' and check_size=False in the datasets.
# The 68 points' names, colours, skeleton and flip pairs are mmpose's
# (`dataset_info` of its 300w.py), given to the datasets as `metainfo` so
# that mmpose's init_model / MMPoseInferencer find them in the config.
_base_ = ['./face_detection.py', 'mmpose::_base_/datasets/300w.py']

dataset_type = 'Face300WDVEDataset'
data_root = 'data/300w/300w'
metainfo = _base_.dataset_info  # noqa: F821

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, metainfo=metainfo))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root,
                 subset='full', metainfo=metainfo))
test_dataloader = val_dataloader

# input-frame NME (percent) normalised by the outer-eye-corner distance
# (points 36, 45)
val_evaluator = dict(type='InputFrameNME', keypoint_indices=[36, 45])
test_evaluator = val_evaluator
