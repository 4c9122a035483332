# Stage 1 (DeiT-T MAE) on the synthetic CelebA set, from the face cache:
# sce_mae_deit_t_stage1_synthetic.py with the decode and DVE crop run
# once (tools/build_face_cache.py) and the flip batched in the data
# preprocessor (same probability). Same images, model and schedule.
#   python tools/make_synthetic_faces.py --out data/synthetic --num 3000
#   python tools/build_face_cache.py \
#       configs/synthetic/sce_mae_deit_t_stage1_synthetic_cached.py
#   python tools/train.py \
#       configs/synthetic/sce_mae_deit_t_stage1_synthetic_cached.py
# A new synthetic set (another --num or seed) makes the cache stale: the
# dataset refuses it, saying what changed; rebuild it.
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

data_root = 'data/synthetic/celeba'
face_cache = 'data/face_cache/synthetic_celeba_train_dve96.npy'
model = dict(
    data_preprocessor=dict(
        type='mmpose.BatchFlipSelfSupDataPreprocessor',
        flip_prob=_base_.flip_prob))
train_dataloader = dict(
    num_workers=0,  # a gather per batch: no worker process needed
    collate_fn=dict(type='face_batch_collate'),
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
            dict(type='DVEFaceCrop', resize=136, crop=_base_.img_size),
        ],
        pipeline=[dict(type='mmpretrain.PackInputs')]))
