# SCE-MAE stage 2 on a frozen stage-1 DeiT-B: D = 256, eta = 0.25 (paper).
# Everything else as in the DeiT-S config.
_base_ = ['./sce_mae_deit_s_stage2.py']

model = dict(
    backbone=dict(
        arch='deit-b',
        checkpoint='work_dirs/sce_mae_deit_b_stage1/epoch_400.pth'),
    neck=dict(in_channels=768, out_channels=256, eta=0.25))
