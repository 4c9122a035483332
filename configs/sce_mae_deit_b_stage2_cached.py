# SCE-MAE stage 2 (DeiT-B) trained from the face cache: the JPEG config
# (sce_mae_deit_b_stage2.py) reading its crops (LoadImage, DVEFaceCrop
# 136 -> 96; no augmentation) from the cache stage 1 built, on the backbone
# of sce_mae_deit_b_stage1_cached.py. Same images, model and schedule.
#   python tools/build_face_cache.py configs/sce_mae_deit_b_stage2_cached.py
#   python tools/train.py configs/sce_mae_deit_b_stage2_cached.py
# (one cache serves both stages: same reader, same head).
_base_ = ['./sce_mae_deit_b_stage2.py']

data_root = 'data/celeba'
face_cache = 'data/face_cache/celeba_train_dve96.npy'
model = dict(
    backbone=dict(
        checkpoint='work_dirs/sce_mae_deit_b_stage1_cached/epoch_400.pth'))
train_dataloader = dict(
    num_workers=2,
    dataset=dict(
        _delete_=True,
        type='CachedFaceDataset',
        cache=face_cache,
        dataset=dict(type='CelebADataset', data_root=data_root, split='train'),
        head=[
            dict(type='LoadImage'),
            dict(type='DVEFaceCrop', resize=136, crop=96),
        ],
        pipeline=[dict(type='PackPoseInputs')]))
