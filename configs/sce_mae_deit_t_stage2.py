# SCE-MAE stage 2 on a frozen stage-1 DeiT-T: D = 64, eta = 0.1 (paper).
# Everything else as in the DeiT-S config.
_base_ = ['./sce_mae_deit_s_stage2.py']

widths = _base_.deit.t  # noqa: F821
model = dict(
    backbone=dict(
        arch=widths.arch,
        checkpoint='work_dirs/sce_mae_deit_t_stage1/epoch_400.pth'),
    neck=dict(
        in_channels=widths.embed_dims,
        out_channels=widths.proj_dims,
        eta=0.1))
