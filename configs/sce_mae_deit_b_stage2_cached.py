# SCE-MAE stage 2 (DeiT-B) from the face cache: sce_mae_deit_s_stage2_cached.py
# at DeiT-B, on the backbone of sce_mae_deit_b_stage1_cached.py.
_base_ = ['./sce_mae_deit_s_stage2_cached.py']

widths = _base_.deit.b  # noqa: F821
stage1_checkpoint = 'work_dirs/sce_mae_deit_b_stage1_cached/epoch_400.pth'
model = dict(widths.projector,
             backbone=dict(widths.backbone, checkpoint=stage1_checkpoint),
             neck=dict(widths.neck, eta=0.25))
