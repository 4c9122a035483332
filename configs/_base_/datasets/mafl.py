# MAFL 5-point detection (train 19,000 / test 1,000 CelebA images).
# Samples: the 178x178 CelebA window from row 30 -> 136 -> centre crop 96.
# For the synthetic set: data_root='data/synthetic/celeba' and
# check_size=False in the dataset dicts.
_base_ = ['./face_detection.py']

dataset_type = 'MAFLDataset'
data_root = 'data/celeba'

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
