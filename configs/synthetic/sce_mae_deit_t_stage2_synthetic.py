# Stage 2 (DeiT-T) on the synthetic CelebA set (see the DeiT-S file):
#   python tools/train.py configs/synthetic/sce_mae_deit_t_stage1_synthetic.py
#   python tools/train.py configs/synthetic/sce_mae_deit_t_stage2_synthetic.py
_base_ = ['./sce_mae_deit_s_stage2_synthetic.py']

widths = _base_.deit.t  # noqa: F821
model = dict(
    backbone=dict(
        arch=widths.arch,
        checkpoint='work_dirs/sce_mae_deit_t_stage1_synthetic/epoch_32.pth'),
    neck=dict(
        in_channels=widths.embed_dims,
        out_channels=widths.proj_dims,
        eta=0.1))
