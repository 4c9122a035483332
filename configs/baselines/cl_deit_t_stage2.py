# ContrastLandmark's own second stage on a frozen stage-1 DeiT-T, 64-d
# projector (paper Tables S2/S3 "CL, DeiT-T"). See cl_deit_s_stage2.py.
_base_ = ['./cl_deit_s_stage2.py']

widths = _base_.deit.t  # noqa: F821
stage1_checkpoint = 'work_dirs/sce_mae_deit_t_stage1/epoch_400.pth'
model = dict(widths.projector,
             backbone=dict(widths.backbone, checkpoint=stage1_checkpoint))
