# MAFL 5-point detection (train 19,000 / test 1,000 CelebA images).
# Samples: the 178x178 CelebA window from row 30 -> 136 -> centre crop 96.
# The synthetic set: synthetic.py.
_base_ = ['./face_detection.py']

dataset_type = 'MAFLDataset'
data_root = 'data/celeba'

train_dataloader = val_dataloader = test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
