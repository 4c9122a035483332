# 300W 68-point detection, DVE split (train 3,148 / test 689 = common 554 +
# challenging 135: set subset='common'|'challenging' in the test dataset).
# Samples: box-based 100x100 window (box scaled to 52 px, 2 px up) -> 136 ->
# centre crop 96. The synthetic set: synthetic.py.
_base_ = ['./face_detection.py']

dataset_type = 'Face300WDVEDataset'
data_root = 'data/300w/300w'

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, subset='full'))

# input-frame NME (percent) normalised by the outer-eye-corner distance
# (points 36, 45)
val_evaluator = dict(type='InputFrameNME', keypoint_indices=[36, 45])
test_evaluator = val_evaluator
