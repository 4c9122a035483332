# Stage 1 (DeiT-S MAE) on the synthetic CelebA set from the face cache:
# sce_mae_deit_t_stage1_synthetic_cached.py at DeiT-S.
_base_ = ['./sce_mae_deit_t_stage1_synthetic_cached.py']

widths = _base_.deit.s  # noqa: F821
model = widths.mae
