# Landmark detection's model on frozen SCE-MAE DeiT-S features (Table 2):
# CachedTopdownPoseEstimator (mmpose's TopdownPoseEstimator that computes
# the frozen features of each training face once) with SCEViT (frozen,
# cover-and-stride at `stride`), CARB (frozen projector, backbone and
# projector channels concatenated) and the paper's regressor
# (IntermediateHeatmapHead). Only the head trains. Weights: backbone and
# projector from a stage-2 checkpoint (init_cfg below). Why this head and
# how the weights load: docs/protocols.md, "Landmark detection".
_base_ = ['./deit.py', '../datasets/face_normalisation.py']

widths = _base_.deit.s  # noqa: F821
stage2_checkpoint = 'work_dirs/sce_mae_deit_s_stage2/epoch_10.pth'
stride = 2  # cover-and-stride: 2 -> 48 x 48 map (CL/LEAD resolution)
det_codec = dict(type='RegressionLabel', input_size=(96, 96))

model = dict(
    type='CachedTopdownPoseEstimator',
    cache_features=True,  # valid: frozen features, un-augmented pipeline
    cache_dtype='float16',
    max_cache_gb=32.0,
    init_cfg=dict(type='Pretrained', checkpoint=stage2_checkpoint),
    data_preprocessor=_base_.image_preprocessor,  # noqa: F821
    backbone=dict(
        type='SCEViT',
        arch=widths.arch,
        patch_size=8,
        img_size=96,
        stride=stride,
        frozen=True,
        checkpoint=None),
    neck=dict(
        type='CARB',
        in_channels=widths.embed_dims,
        out_channels=widths.proj_dims,
        concat_backbone=True,
        frozen=True,
        # as in the stage-2 config whose checkpoint it reads
        projector=dict(type='SpatialProjector')),
    head=dict(
        type='IntermediateHeatmapHead',
        in_channels=widths.feature_dims,
        num_keypoints=5,
        num_intermediate=50,
        hidden_channels=(256, 256),  # the conv block (3x3 conv-BN-ReLU)
        kernel_size=3,
        beta=100.0,  # softmax inverse temperature (DVE's softargmax_mul)
        coord_scale=10.0,
        loss=dict(type='SmoothL1Loss', use_target_weight=True),
        decoder=det_codec),
    test_cfg=dict(flip_test=False))
