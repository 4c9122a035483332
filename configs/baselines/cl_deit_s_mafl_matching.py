# MAFL matching of ContrastLandmark's own second stage (cl_deit_s_stage2.py):
# the matching protocol of ../matching/sce_mae_deit_s_mafl_matching.py with
# CL's projector, whose descriptors are computed at the 96 x 96 image.
#   python tools/test.py configs/baselines/cl_deit_s_mafl_matching.py \
#       work_dirs/cl_deit_s_stage2/best_matching_diff_epoch_N.pth
_base_ = [
    '../matching/sce_mae_deit_s_mafl_matching.py',
    '../_base_/models/stage2_baselines.py'
]

model = dict(
    neck=dict(_base_.cl_distiller, frozen=True,  # noqa: F821
              **_base_.widths.neck))  # noqa: F821
