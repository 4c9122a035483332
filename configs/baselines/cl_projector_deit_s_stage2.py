# Variant of the CL baseline: CL's objective with SCE-MAE's projector and
# schedule on a frozen stage-1 DeiT-S (paper Table
# S2/S3 "CL, DeiT-S"): a projector on the last-layer map, all positions,
# trained with CL's within-image loss (SPEC section 7): for every location
# a softmax over all locations of 7 x cosine similarity, weighted by the
# pixel distance to the power 0.5. No split, no clustering.
#
# Same projector, data and schedule as SCE-MAE's stage 2
# (../sce_mae_deit_s_stage2.py), so only the objective differs. The
# checkpoint has SCE-MAE's `backbone.` / `neck.` keys: the matching and
# detection configs read it unchanged.
#   python tools/train.py configs/baselines/cl_projector_deit_s_stage2.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
#   python tools/test.py configs/matching/sce_mae_deit_s_mafl_matching.py \
#       work_dirs/cl_projector_deit_s_stage2/epoch_10.pth
# Training map: the 12 x 12 token map (backbone stride 8). CL itself trains
# on 48 x 48 hypercolumns: model.backbone.stride=2 gives a 48 x 48
# cover-and-stride map (16 backbone passes per image, 2304^2 pairs).
_base_ = ['../sce_mae_deit_s_stage2.py']

model = dict(
    type='DenseStage2',
    loss=dict(
        _delete_=True,
        type='CLLoss',
        scale=7.,
        power=0.5,
        image_size=96,
        loss_weight=1.))
