# "Clustering without LCR" (paper Table 4, second row: 0.30 / 4.04 with
# DeiT-B), DeiT-S. Our reading: SCE-MAE's CARB unchanged (attentive split,
# density-peak clustering of the inattentive tokens, approximation by the
# cluster centres; the loss sees the attentive tokens and the centres),
# but the selected tokens are scored by ContrastLandmark's objective (7 x
# cosine, pixel distance ^ 0.5, no repellence weights) instead of the LCR
# loss. CLLoss takes SCEMAEStage2's call form; token grid positions are
# turned into pixels with token_stride = 8 (the patch size).
#   python tools/train.py configs/baselines/clustering_cl_deit_s_stage2.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = ['../sce_mae_deit_s_stage2.py']

model = dict(
    loss=dict(
        _delete_=True,
        type='CLLoss',
        scale=7.,
        power=0.5,
        token_stride=8.,
        loss_weight=1.))
