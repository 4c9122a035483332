# SCE-MAE stage 2 on a frozen stage-1 DeiT-B: D = 256, eta = 0.25 (paper).
# Everything else as in the DeiT-S config.
_base_ = ['./sce_mae_deit_s_stage2.py']

widths = _base_.deit.b  # noqa: F821
stage1_checkpoint = 'work_dirs/sce_mae_deit_b_stage1/epoch_400.pth'
model = dict(widths.projector,
             backbone=dict(widths.backbone, checkpoint=stage1_checkpoint),
             neck=dict(widths.neck, eta=0.25))
