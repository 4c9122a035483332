# SCE-MAE stage 1: MAE pretraining of DeiT-S (patch 8, 96 px) on CelebA.
# Everything else (paper settings, lr scaling rule) as in the DeiT-T config.
_base_ = ['./sce_mae_deit_t_stage1.py']

widths = _base_.deit.s  # noqa: F821
model = widths.mae
