# ../cl_deit_t_stage2.py on the synthetic CelebA set: cl_deit_s_stage2_
# synthetic.py at DeiT-T.
#   python tools/train.py \
#       configs/baselines/synthetic/cl_deit_t_stage2_synthetic.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = ['./cl_deit_s_stage2_synthetic.py']

widths = _base_.deit.t  # noqa: F821
stage1_checkpoint = 'work_dirs/sce_mae_deit_t_stage1_synthetic/epoch_32.pth'
model = dict(widths.projector,
             backbone=dict(widths.backbone, checkpoint=stage1_checkpoint))
