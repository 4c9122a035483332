# SCE-MAE stage 1 (DeiT-T) from the face cache: sce_mae_deit_t_stage1.py
# with its crops read from the cache and its RandomFlip batched in the data
# preprocessor (on the model's device, same probability). Same images,
# model and schedule. Build the cache once (about 4.5 GB), then train:
#   python tools/build_face_cache.py configs/sce_mae_deit_t_stage1_cached.py \
#       --workers 8
#   python tools/train.py configs/sce_mae_deit_t_stage1_cached.py
_base_ = ['./sce_mae_deit_t_stage1.py', './_base_/datasets/face_cache.py']

model = dict(
    data_preprocessor=dict(
        type='mmpose.BatchFlipSelfSupDataPreprocessor',
        flip_prob=_base_.flip_prob))  # noqa: F821
train_dataloader = dict(
    num_workers=2,
    collate_fn=dict(type='face_batch_collate'),
    dataset=dict(
        _base_.celeba_cache,  # noqa: F821
        _delete_=True,
        pipeline=[dict(type='mmpretrain.PackInputs')]))
