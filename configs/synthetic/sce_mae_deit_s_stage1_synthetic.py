# Stage 1 (DeiT-S MAE) on the synthetic CelebA set (see the DeiT-T file).
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

widths = _base_.deit.s  # noqa: F821
model = widths.mae
