# Landmark detection on frozen SCE-MAE features (SPEC section 4, Table 2):
# mmpose's TopdownPoseEstimator with
#   backbone = SCEViT (DeiT-S, frozen, cover-and-stride at `stride`),
#   neck     = CARB (frozen projector, backbone + projector channels
#              concatenated: 384 + 128 = 512),
#   head     = IntermediateHeatmapHead (50 intermediate heatmaps per landmark,
#              soft-argmax, per-landmark bias-free linear map, smooth-L1 on
#              10 x coordinates normalised by mmpose's RegressionLabel codec).
# Only the head trains (backbone and neck have requires_grad=False and stay
# in eval mode). Any mmpose head can replace ours (see
# sce_mae_deit_s_aflw_m_integral.py).
#
# Weights: backbone and projector come from a STAGE-2 checkpoint (its
# `backbone.` and `neck.` keys; the stage-1 encoder is inside it), loaded by
# the model-level init_cfg below (mmengine applies `Pretrained` last, so it
# overrides the children's random init; the head's keys are reported as
# missing, which is expected). Point it at your checkpoint with
#   --cfg-options model.init_cfg.checkpoint=work_dirs/<stage2>/epoch_10.pth
# tools/test.py with a trained detection checkpoint needs no init_cfg.
#
# Pipelines: the 136 -> 96 DVE crop with `context` real pixels around the
# crop (cover-and-stride reads them instead of reflect padding), DVE's
# training TPS warp, RegressionLabel targets.
stage2_checkpoint = 'work_dirs/sce_mae_deit_s_stage2/epoch_10.pth'
stride = 2  # cover-and-stride: 2 -> 48 x 48 map (CL/LEAD resolution)
context = 4  # real pixels kept around the 96-px crop (P / 2)

# SPEC section 5 normalisation (RGB, 0-255 scale); images load as BGR
data_mean = [0.5084 * 255, 0.4224 * 255, 0.3769 * 255]
data_std = [0.2599 * 255, 0.2371 * 255, 0.2323 * 255]
det_codec = dict(type='RegressionLabel', input_size=(96, 96))

model = dict(
    type='TopdownPoseEstimator',
    init_cfg=dict(type='Pretrained', checkpoint=stage2_checkpoint),
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=data_mean,
        std=data_std,
        bgr_to_rgb=True),
    backbone=dict(
        type='SCEViT',
        arch='deit-s',
        patch_size=8,
        img_size=96,
        stride=stride,
        frozen=True,
        checkpoint=None),
    neck=dict(
        type='CARB',
        in_channels=384,
        out_channels=128,
        concat_backbone=True,
        frozen=True),
    head=dict(
        type='IntermediateHeatmapHead',
        in_channels=384 + 128,
        num_keypoints=5,
        num_intermediate=50,
        beta=50.0,  # softmax inverse temperature (DVE's softargmax_mul)
        coord_scale=10.0,
        loss=dict(type='SmoothL1Loss', use_target_weight=True),
        decoder=det_codec),
    test_cfg=dict(flip_test=False))

det_pack_meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
                      'img_shape', 'input_size', 'input_center',
                      'input_scale', 'context', 'dataset_name',
                      'flip_indices')
# DVE's training warp (SPEC section 4)
det_train_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=context),
    dict(
        type='RandomTPSWarp',
        warpsd_all=0.001,
        warpsd_subset=0.01,
        transsd=0.1,
        scalesd=0.1,
        rotsd=5.),
    dict(type='GenerateTarget', encoder=det_codec),
    dict(type='PackPoseInputs', meta_keys=det_pack_meta_keys),
]
det_test_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=context),
    dict(type='GenerateTarget', encoder=det_codec),
    dict(type='PackPoseInputs', meta_keys=det_pack_meta_keys),
]

# DVE / CL regressor training: Adam lr 1e-3, weight decay 5e-4, batch 32
# (the dataset bases); CL's cosine schedule, epochs set per dataset.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=5e-4))
