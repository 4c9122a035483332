# AFLW_M (MTFL layout) 5-point detection (train 10,122 / test 2,995).
# Samples: the whole 150x150 crop -> 136 -> centre crop 96.
# The synthetic set: synthetic.py.
_base_ = ['./face_detection.py']

dataset_type = 'AFLWMDataset'
data_root = 'data/aflw-mtfl'

train_dataloader = val_dataloader = test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
