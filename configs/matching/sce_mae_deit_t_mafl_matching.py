# MAFL landmark matching with the SCE-MAE DeiT-T stage-2 model
# (64-d projector; paper Table 1: 0.47 / 1.99 px).
# See sce_mae_deit_s_mafl_matching.py.
#   python tools/test.py configs/matching/sce_mae_deit_t_mafl_matching.py \
#       work_dirs/sce_mae_deit_t_stage2/epoch_10.pth
_base_ = ['./sce_mae_deit_s_mafl_matching.py']

widths = _base_.deit.t  # noqa: F821
model = widths.projector
