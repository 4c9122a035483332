# ../clustering_cl_deit_t_stage2.py on the synthetic CelebA set (data and
# schedule of configs/synthetic/sce_mae_deit_t_stage2_synthetic.py):
#   python tools/train.py \
#       configs/baselines/synthetic/clustering_cl_deit_t_stage2_synthetic.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = [
    '../../synthetic/sce_mae_deit_t_stage2_synthetic.py',
    '../../_base_/models/stage2_baselines.py'
]

model = _base_.clustering_cl  # noqa: F821
