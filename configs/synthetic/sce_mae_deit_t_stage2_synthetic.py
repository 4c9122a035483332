# Stage 2 (DeiT-T) on the synthetic CelebA set (see the DeiT-S file):
#   python tools/train.py configs/synthetic/sce_mae_deit_t_stage1_synthetic.py
#   python tools/train.py configs/synthetic/sce_mae_deit_t_stage2_synthetic.py
_base_ = ['./sce_mae_deit_s_stage2_synthetic.py']

model = dict(
    backbone=dict(
        arch='deit-t',
        checkpoint='work_dirs/sce_mae_deit_t_stage1_synthetic/epoch_32.pth'),
    neck=dict(in_channels=192, out_channels=64, eta=0.1))
