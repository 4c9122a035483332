# Stage 2 (DeiT-T) on the synthetic CelebA set, from the face cache
# (the one sce_mae_deit_t_stage1_synthetic_cached.py reads), on that
# run's stage-1 checkpoint:
#   python tools/train.py \
#       configs/synthetic/sce_mae_deit_t_stage2_synthetic_cached.py
_base_ = ['./sce_mae_deit_t_stage2_synthetic.py']

data_root = 'data/synthetic/celeba'
face_cache = 'data/face_cache/synthetic_celeba_train_dve96.npy'
model = dict(
    backbone=dict(checkpoint='work_dirs/'
                  'sce_mae_deit_t_stage1_synthetic_cached/epoch_32.pth'))
train_dataloader = dict(
    num_workers=0,  # crops come from the cache: no worker process needed
    dataset=dict(
        _delete_=True,
        type='CachedFaceDataset',
        cache=face_cache,
        dataset=dict(
            type='CelebADataset',
            data_root=data_root,
            split='train',
            check_size=False),
        head=[
            dict(type='LoadImage'),
            dict(type='DVEFaceCrop', resize=136, crop=96),
        ],
        pipeline=[dict(type='PackPoseInputs')]))
