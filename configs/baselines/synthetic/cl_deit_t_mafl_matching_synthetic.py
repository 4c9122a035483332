# ../cl_deit_t_mafl_matching.py on the synthetic CelebA/MAFL set, after
# cl_deit_t_stage2_synthetic.py:
#   python tools/test.py \
#       configs/baselines/synthetic/cl_deit_t_mafl_matching_synthetic.py \
#       work_dirs/cl_deit_t_stage2_synthetic/best_matching_diff_epoch_N.pth
_base_ = ['./cl_deit_s_mafl_matching_synthetic.py']

widths = _base_.deit.t  # noqa: F821
model = widths.projector
