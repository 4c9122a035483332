# ContrastLandmark's own second stage on a frozen stage-1 DeiT-B, 256-d
# projector (the paper reports CL on DeiT-T/S only). See cl_deit_s_stage2.py.
_base_ = ['./cl_deit_s_stage2.py']

widths = _base_.deit.b  # noqa: F821
stage1_checkpoint = 'work_dirs/sce_mae_deit_b_stage1/epoch_400.pth'
model = dict(widths.projector,
             backbone=dict(widths.backbone, checkpoint=stage1_checkpoint))
