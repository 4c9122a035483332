# ../cl_deit_s_mafl_matching.py on the synthetic CelebA/MAFL set, after
# cl_deit_s_stage2_synthetic.py:
#   python tools/test.py \
#       configs/baselines/synthetic/cl_deit_s_mafl_matching_synthetic.py \
#       work_dirs/cl_deit_s_stage2_synthetic/best_matching_diff_epoch_N.pth
_base_ = [
    '../../synthetic/sce_mae_deit_s_mafl_matching_synthetic.py',
    '../../_base_/models/stage2_baselines.py'
]

model = dict(
    neck=dict(_base_.cl_distiller, frozen=True,  # noqa: F821
              **_base_.widths.neck))  # noqa: F821
