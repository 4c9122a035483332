# MAFL matching of ContrastLandmark's own second stage (cl_deit_b_stage2.py):
# cl_deit_s_mafl_matching.py at DeiT-B.
#   python tools/test.py configs/baselines/cl_deit_b_mafl_matching.py \
#       work_dirs/cl_deit_b_stage2/best_matching_diff_epoch_N.pth
_base_ = ['./cl_deit_s_mafl_matching.py']

widths = _base_.deit.b  # noqa: F821
model = widths.projector
