# MAFL matching (DeiT-T) on the synthetic CelebA/MAFL set, after
# sce_mae_deit_t_stage{1,2}_synthetic.py:
#   python tools/test.py \
#       configs/synthetic/sce_mae_deit_t_mafl_matching_synthetic.py \
#       work_dirs/sce_mae_deit_t_stage2_synthetic/epoch_2.pth
_base_ = ['./sce_mae_deit_s_mafl_matching_synthetic.py']

widths = _base_.deit.t  # noqa: F821
model = widths.projector
