# 300W 68-point detection, DVE split (train 3,148 / test 689 = common 554 +
# challenging 135: set subset='common'|'challenging' in the test dataset).
# Samples: box-based 100x100 window (box scaled to 52 px, 2 px up) -> 136 ->
# centre crop 96. The synthetic set: synthetic.py. Names, colours, skeleton
# and flip pairs of the 68 points: mmpose's 300w.py (`metainfo`, read by
# mmpose's init_model / MMPoseInferencer).
_base_ = ['./face_detection.py', 'mmpose::_base_/datasets/300w.py']

dataset_type = 'Face300WDVEDataset'
data_root = 'data/300w/300w'
metainfo = _base_.dataset_info  # noqa: F821

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, metainfo=metainfo))
val_dataloader = test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, subset='full',
                 metainfo=metainfo))

# input-frame NME (percent) normalised by the outer-eye-corner distance
# (points 36, 45)
val_evaluator = dict(type='InputFrameNME', keypoint_indices=[36, 45])
test_evaluator = val_evaluator
