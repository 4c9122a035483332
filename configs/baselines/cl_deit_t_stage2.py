# ContrastLandmark's own second stage on a frozen stage-1 DeiT-T, 64-d
# projector (paper Tables S2/S3 "CL, DeiT-T"). See cl_deit_s_stage2.py.
_base_ = ['./cl_deit_s_stage2.py']

model = dict(
    backbone=dict(
        arch='deit-t',
        checkpoint='work_dirs/sce_mae_deit_t_stage1/epoch_400.pth'),
    neck=dict(in_channels=192, out_channels=64))
