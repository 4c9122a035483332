# Stage 2 (DeiT-T) on the synthetic CelebA set (see the DeiT-S file):
#   python tools/train.py configs/synthetic/sce_mae_deit_t_stage1_synthetic.py
#   python tools/train.py configs/synthetic/sce_mae_deit_t_stage2_synthetic.py
_base_ = ['./sce_mae_deit_s_stage2_synthetic.py']

widths = _base_.deit.t  # noqa: F821
stage1_checkpoint = 'work_dirs/sce_mae_deit_t_stage1_synthetic/epoch_32.pth'
model = dict(widths.projector,
             backbone=dict(widths.backbone, checkpoint=stage1_checkpoint))
