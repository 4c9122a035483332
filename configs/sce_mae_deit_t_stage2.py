# SCE-MAE stage 2 on a frozen stage-1 DeiT-T: D = 64, eta = 0.1 (paper).
# Everything else as in the DeiT-S config.
_base_ = ['./sce_mae_deit_s_stage2.py']

model = dict(
    backbone=dict(
        arch='deit-t',
        checkpoint='work_dirs/sce_mae_deit_t_stage1/epoch_400.pth'),
    neck=dict(in_channels=192, out_channels=64, eta=0.1))
