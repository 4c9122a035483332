# Landmark detection (DeiT-T, AFLW_R) on the synthetic set: the DeiT-S
# file with the DeiT-T stage-2 model (features 192 + 64 = 256). After
# configs/synthetic/sce_mae_deit_t_stage{1,2}_synthetic.py:
#   python tools/train.py configs/synthetic/sce_mae_deit_t_aflw_r_synthetic.py
#   python tools/test.py configs/synthetic/sce_mae_deit_t_aflw_r_synthetic.py \
#       work_dirs/sce_mae_deit_t_aflw_r_synthetic/epoch_6.pth
_base_ = ['./sce_mae_deit_s_aflw_r_synthetic.py']

model = dict(
    init_cfg=dict(
        checkpoint='work_dirs/sce_mae_deit_t_stage2_synthetic/epoch_2.pth'),
    backbone=dict(arch='deit-t'),
    neck=dict(in_channels=192, out_channels=64),
    head=dict(in_channels=192 + 64))
