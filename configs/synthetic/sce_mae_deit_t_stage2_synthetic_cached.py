# Stage 2 (DeiT-T) on the synthetic CelebA set from the face cache:
# sce_mae_deit_s_stage2_synthetic_cached.py at DeiT-T, on the stage 1 of
# sce_mae_deit_t_stage1_synthetic_cached.py.
_base_ = ['./sce_mae_deit_s_stage2_synthetic_cached.py']

widths = _base_.deit.t  # noqa: F821
stage1_checkpoint = ('work_dirs/sce_mae_deit_t_stage1_synthetic_cached/'
                     'epoch_32.pth')
model = dict(widths.projector,
             backbone=dict(widths.backbone, checkpoint=stage1_checkpoint))
