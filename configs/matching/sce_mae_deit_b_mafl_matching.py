# MAFL landmark matching with the SCE-MAE DeiT-B stage-2 model
# (256-d projector; paper Table 1: 0.27 / 1.61 px).
# See sce_mae_deit_s_mafl_matching.py.
#   python tools/test.py configs/matching/sce_mae_deit_b_mafl_matching.py \
#       work_dirs/sce_mae_deit_b_stage2/epoch_10.pth
_base_ = ['./sce_mae_deit_s_mafl_matching.py']

widths = _base_.deit.b  # noqa: F821
model = widths.projector
