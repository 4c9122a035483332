# "Clustering without LCR" (paper Table 4: 0.30 / 4.04 with DeiT-B):
# SCE-MAE's CARB selection scored by CL's objective,
# on a frozen stage-1 DeiT-B (docs/protocols.md, "The supplementary's second
# stages"):
#   python tools/train.py configs/baselines/clustering_cl_deit_b_stage2.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = [
    '../sce_mae_deit_b_stage2.py', '../_base_/models/stage2_baselines.py'
]

model = _base_.clustering_cl  # noqa: F821
