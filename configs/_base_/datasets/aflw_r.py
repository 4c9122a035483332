# AFLW_R 5-point detection (train 10,122 / test 2,991). AFLW_RC: set
# test_keypoint_file=<corrected .mat> in the test dataset. Samples: the whole
# image resized to 136x136 (aspect ratio ignored) -> centre crop 96.
# The synthetic set: synthetic.py.
_base_ = ['./face_detection.py']

dataset_type = 'AFLWRDataset'
data_root = 'data/aflw/aflw_release-2'

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = test_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, test_keypoint_file=None))
