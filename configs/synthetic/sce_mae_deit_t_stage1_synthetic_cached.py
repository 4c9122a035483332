# Stage 1 (DeiT-T MAE) on the synthetic CelebA set from the face cache:
# sce_mae_deit_t_stage1_synthetic.py with the decode and DVE crop run once
# and the flip batched in the data preprocessor. Same images, model and
# schedule. A new synthetic set makes the cache stale (the dataset says so).
#   python tools/build_face_cache.py \
#       configs/synthetic/sce_mae_deit_t_stage1_synthetic_cached.py
#   python tools/train.py \
#       configs/synthetic/sce_mae_deit_t_stage1_synthetic_cached.py
_base_ = [
    './sce_mae_deit_t_stage1_synthetic.py', '../_base_/datasets/face_cache.py'
]

model = dict(
    data_preprocessor=dict(
        type='mmpose.BatchFlipSelfSupDataPreprocessor',
        flip_prob=_base_.flip_prob))  # noqa: F821
train_dataloader = dict(
    num_workers=0,  # a gather per batch: no worker process needed
    collate_fn=dict(type='face_batch_collate'),
    dataset=dict(
        _base_.synthetic_celeba_cache,  # noqa: F821
        _delete_=True,
        pipeline=[dict(type='mmpretrain.PackInputs')]))
