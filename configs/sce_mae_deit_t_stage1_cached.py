# SCE-MAE stage 1 (DeiT-T) trained from the face cache: the JPEG config
# (sce_mae_deit_t_stage1.py) with its deterministic pipeline head
# (LoadImage, DVEFaceCrop 136 -> 96) run once and stored as one uint8 array,
# and its RandomFlip moved into the data preprocessor (batched, on the
# model's device, same probability). Same images, same model, same schedule.
#
# Build the cache once (about 4.5 GB for CelebA's training partition), then
# train:
#   python tools/build_face_cache.py configs/sce_mae_deit_t_stage1_cached.py \
#       --workers 8
#   python tools/train.py configs/sce_mae_deit_t_stage1_cached.py
# (docs/datasets.md, "The face cache").
_base_ = ['./sce_mae_deit_t_stage1.py']

data_root = 'data/celeba'
face_cache = 'data/face_cache/celeba_train_dve96.npy'
model = dict(
    data_preprocessor=dict(
        type='mmpose.BatchFlipSelfSupDataPreprocessor',
        flip_prob=_base_.flip_prob))
train_dataloader = dict(
    num_workers=2,
    collate_fn=dict(type='face_batch_collate'),
    dataset=dict(
        _delete_=True,
        type='CachedFaceDataset',
        cache=face_cache,
        dataset=dict(type='CelebADataset', data_root=data_root, split='train'),
        head=[
            dict(type='LoadImage'),
            dict(type='DVEFaceCrop', resize=136, crop=_base_.img_size),
        ],
        pipeline=[dict(type='mmpretrain.PackInputs')]))
