# CelebA for self-supervised training (stages 1 and 2): dataset dicts only;
# each stage config writes its own pipeline, e.g.
#   train_dataloader = dict(dataset=dict(celeba_train, pipeline=[...]))
# train = partition 0 minus every MAFL image; val / test = partitions 1 / 2
# (also without MAFL images). The synthetic set: synthetic.py.
dataset_type = 'CelebADataset'
data_root = 'data/celeba'
celeba_train = dict(type=dataset_type, data_root=data_root, split='train')
celeba_val = dict(
    type=dataset_type, data_root=data_root, split='val', test_mode=True)
celeba_test = dict(
    type=dataset_type, data_root=data_root, split='test', test_mode=True)
