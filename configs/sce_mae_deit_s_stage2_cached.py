# SCE-MAE stage 2 (DeiT-S) from the face cache: sce_mae_deit_s_stage2.py
# reading its crops (no augmentation) from the cache stage 1 built, on the
# backbone of sce_mae_deit_s_stage1_cached.py. Same images, model and
# schedule:
#   python tools/build_face_cache.py configs/sce_mae_deit_s_stage2_cached.py
#   python tools/train.py configs/sce_mae_deit_s_stage2_cached.py
_base_ = ['./sce_mae_deit_s_stage2.py', './_base_/datasets/face_cache.py']

stage1_checkpoint = 'work_dirs/sce_mae_deit_s_stage1_cached/epoch_400.pth'
model = dict(backbone=dict(checkpoint=stage1_checkpoint))
train_dataloader = dict(
    num_workers=2,
    dataset=dict(
        _base_.celeba_cache,  # noqa: F821
        _delete_=True,
        pipeline=[dict(type='PackPoseInputs')]))
