# Landmark detection (DeiT-T, AFLW_M) on the synthetic set: the DeiT-S file
# with the DeiT-T stage-2 model; after sce_mae_deit_t_stage{1,2}_synthetic.py:
#   python tools/train.py configs/synthetic/sce_mae_deit_t_aflw_m_synthetic.py
#   python tools/test.py configs/synthetic/sce_mae_deit_t_aflw_m_synthetic.py \
#       work_dirs/sce_mae_deit_t_aflw_m_synthetic/epoch_6.pth
_base_ = ['./sce_mae_deit_s_aflw_m_synthetic.py']

widths = _base_.deit.t  # noqa: F821
stage2_checkpoint = 'work_dirs/sce_mae_deit_t_stage2_synthetic/epoch_2.pth'
model = dict(widths.regressor, init_cfg=dict(checkpoint=stage2_checkpoint))
