# Stage 2's model: CARB + LCR loss on a frozen stage-1 DeiT-S (only the
# projector trains). Paper settings and our defaults where it is silent:
# docs/protocols.md, "Stage 2: options and defaults".
_base_ = ['./deit.py', '../datasets/face_normalisation.py']

widths = _base_.deit.s  # noqa: F821
stage1_checkpoint = 'work_dirs/sce_mae_deit_s_stage1/epoch_400.pth'
layer_index = 2  # 0-based block for the split and the clustering
eta = 0.1  # attentive rate: 0.1 DeiT-T/S, 0.25 DeiT-B
num_clusters = 4  # K_c
projector = 'SpatialProjector'  # 3x3 context; or 'Projector' (pointwise)
distance_unit = 'cell'  # unit of f_loc = log(d + 1): 'cell' or 'pixel'

model = dict(
    type='SCEMAEStage2',
    data_preprocessor=_base_.image_preprocessor,  # noqa: F821
    backbone=dict(
        type='SCEViT',
        arch=widths.arch,
        patch_size=8,
        img_size=96,
        layer_index=layer_index,
        stride=8,
        frozen=True,
        checkpoint=stage1_checkpoint),
    neck=dict(
        type='CARB',
        in_channels=widths.embed_dims,
        out_channels=widths.proj_dims,
        eta=eta,
        num_clusters=num_clusters,
        knn=5,
        density='knn',  # or 'all' (the paper's all-token form)
        approximation='centre',  # or 'mean' (cluster mean)
        concat_backbone=False,
        projector=dict(type=projector)),
    loss=dict(
        type='LCRLoss',
        tau=1. / 7,
        r_att_att=5.,
        r_att_inatt=5.,
        r_inatt_inatt=2.,
        distance_unit=distance_unit,
        loss_weight=1.))
