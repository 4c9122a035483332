# MAFL matching of ContrastLandmark's own second stage (cl_deit_t_stage2.py):
# cl_deit_s_mafl_matching.py at DeiT-T.
#   python tools/test.py configs/baselines/cl_deit_t_mafl_matching.py \
#       work_dirs/cl_deit_t_stage2/best_matching_diff_epoch_N.pth
_base_ = ['./cl_deit_s_mafl_matching.py']

widths = _base_.deit.t  # noqa: F821
model = widths.projector
