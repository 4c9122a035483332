# Landmark detection on frozen SCE-MAE features (SPEC section 4, Table 2):
# CachedTopdownPoseEstimator (mmpose's TopdownPoseEstimator that computes
# the frozen features of each training face once, DVE's cache_descriptors)
# with
#   backbone = SCEViT (DeiT-S, frozen, cover-and-stride at `stride`),
#   neck     = CARB (frozen projector, backbone + projector channels
#              concatenated: 384 + 128 = 512),
#   head     = IntermediateHeatmapHead: the paper's "convolution block"
#              for all annotated samples (two 3x3 conv-BN-ReLU layers of
#              256 channels, then a 1x1 conv to 50 intermediate heatmaps
#              per landmark), soft-argmax at softargmax_mul 100 (DVE's face
#              configs, CL's eval_face.py), per-landmark bias-free linear
#              map, smooth-L1 on 10 x coordinates normalised by mmpose's
#              RegressionLabel codec.
# Why this conv block: the paper says only that it "utilizes the spatial
# context to produce I intermediate heatmaps". Two 3x3 layers see 5 x 5
# cells (10 px of the 96-px face at stride 2, about a fifth of the
# inter-ocular distance), BN rescales the frozen features (whose norm is
# not trained for the head), and 256 channels keep the block small next to
# the 512 / 1024-d inputs. DVE's single 1x1 conv: head.hidden_channels=()
# (the limited-annotation configs use it).
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
# crop (cover-and-stride reads them instead of reflect padding) and
# RegressionLabel targets. No TPS augmentation with all annotations (DVE
# caches descriptors, CL's full-data command has no --TPS_aug), which is
# what makes the feature cache valid; det_limited_train_pipeline adds
# DVE's WarperSingle warp for the limited-annotation runs (Table 3).
#
# Metric: InputFrameNME, the NME in the 96 x 96 input frame as DVE's
# inter_ocular_error (`NME`, the paper's number), mmpose's original-frame
# NME (`NME_original`) and the mean-training-shape baseline
# (`NME_mean_shape`, filled in by MeanShapeBaselineHook).
#
# Schedule (CL's eval_face.py): Adam lr 1e-3, betas (0.5, 0.999), weight
# decay 5e-4, batch 32, cosine over 200 epochs (eta_min = lr x 0.2^3 x 0.1,
# CL's), stopped at the dataset's epoch (train_cfg.max_epochs). The last
# checkpoint is the reported one: nothing is selected on the test split.
_base_ = ['../../_base_/models/deit.py']

widths = _base_.deit.s  # noqa: F821
stage2_checkpoint = 'work_dirs/sce_mae_deit_s_stage2/epoch_10.pth'
stride = 2  # cover-and-stride: 2 -> 48 x 48 map (CL/LEAD resolution)
context = 4  # real pixels kept around the 96-px crop (P / 2)

# SPEC section 5 normalisation (RGB, 0-255 scale); images load as BGR
data_mean = [0.5084 * 255, 0.4224 * 255, 0.3769 * 255]
data_std = [0.2599 * 255, 0.2371 * 255, 0.2323 * 255]
det_codec = dict(type='RegressionLabel', input_size=(96, 96))

model = dict(
    type='CachedTopdownPoseEstimator',
    cache_features=True,  # valid: frozen features, un-augmented pipeline
    cache_dtype='float16',
    max_cache_gb=32.0,
    init_cfg=dict(type='Pretrained', checkpoint=stage2_checkpoint),
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=data_mean,
        std=data_std,
        bgr_to_rgb=True),
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

# tps_params / flip are packed when a random warp or flip ran, so the
# feature cache refuses augmented samples instead of freezing one draw
det_pack_meta_keys = ('id', 'img_id', 'img_path', 'category_id', 'ori_shape',
                      'img_shape', 'input_size', 'input_center',
                      'input_scale', 'context', 'dataset_name',
                      'flip_indices', 'flip', 'tps_params')
# Table 2: no augmentation (DVE caches the descriptors, CL passes no
# --TPS_aug)
det_train_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=context),
    dict(type='GenerateTarget', encoder=det_codec),
    dict(type='PackPoseInputs', meta_keys=det_pack_meta_keys),
]
# Table 3: DVE's WarperSingle (SPEC section 4; DVE applies it at full
# strength, multiplier 1)
det_limited_train_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=context),
    dict(
        type='RandomTPSWarp',
        warpsd_all=0.0005,
        warpsd_subset=0.0,
        transsd=0.02,
        scalesd=0.02,
        rotsd=2.,
        multiplier=1.0),
    dict(type='GenerateTarget', encoder=det_codec),
    dict(type='PackPoseInputs', meta_keys=det_pack_meta_keys),
]
# no targets: mmpose's inference_topdown / MMPoseInferencer run it on images
# without labels; the metric reads the packed ground truth (gt_instances)
det_test_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96, context=context),
    dict(type='PackPoseInputs', meta_keys=det_pack_meta_keys),
]

# CL's eval_face.py (README command for the face benchmarks): Adam lr 1e-3,
# betas (0.5, 0.999), weight decay 5e-4, batch 32 (the dataset bases),
# cosine over cl_cosine_epochs; each dataset config stops it at its epoch.
cl_cosine_epochs = 200
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='Adam', lr=1e-3, betas=(0.5, 0.999), weight_decay=5e-4))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=cl_cosine_epochs,
        eta_min=1e-3 * 0.2**3 * 0.1,  # CL: lr x lr_decay_rate^3 x 0.1
        by_epoch=True,
        begin=0,
        end=cl_cosine_epochs,
        convert_to_iter_based=True)
]
