# Stage 2 (DeiT-S) on the synthetic CelebA set from the face cache (the one
# sce_mae_deit_s_stage1_synthetic_cached.py reads), on that run's stage 1:
#   python tools/train.py \
#       configs/synthetic/sce_mae_deit_s_stage2_synthetic_cached.py
_base_ = [
    './sce_mae_deit_s_stage2_synthetic.py', '../_base_/datasets/face_cache.py'
]

stage1_checkpoint = ('work_dirs/sce_mae_deit_s_stage1_synthetic_cached/'
                     'epoch_32.pth')
model = dict(backbone=dict(checkpoint=stage1_checkpoint))
train_dataloader = dict(
    num_workers=0,  # crops come from the cache: no worker process needed
    dataset=dict(
        _base_.synthetic_celeba_cache,  # noqa: F821
        _delete_=True,
        pipeline=[dict(type='PackPoseInputs')]))
