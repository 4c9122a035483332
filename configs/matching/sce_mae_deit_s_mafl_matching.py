# MAFL landmark matching (SPEC section 4, paper Table 1: DeiT-S 128-d
# 0.31 / 1.69 px same / different identity) with a SCE-MAE stage-2 model:
#   python tools/test.py configs/matching/sce_mae_deit_s_mafl_matching.py \
#       work_dirs/sce_mae_deit_s_stage2/epoch_10.pth
# The stage-2 checkpoint holds the frozen backbone (`backbone.`, the stage-1
# encoder) and the projector (`neck.`); LandmarkMatcher has the same module
# names, so tools/test.py loads it directly.
#
# Descriptors: 'projector' (default, paper), 'backbone' (raw last-layer
# features, the ablation's first row) or 'concat' (both):
#   --cfg-options model.descriptor=backbone
# Cover-and-stride stride (2 -> 48 x 48 maps, the resolution of CL / LEAD;
# 8 -> the plain 12 x 12 token map): --cfg-options model.stride=8
# Errors: mean pixel distance in DVE's 70-px frame (x 70 / 96) over the
# 500 x 5 landmarks of each group, keys matching/same and matching/diff,
# plus a per-landmark table and the same-location baseline on the same pairs
# (every target landmark predicted at the source landmark's coordinates:
# matching/same_baseline, matching/diff_baseline).
# Protocol (DVE's test_matching.py): pairs of the MAFL test images in
# ascending file-name order (`pair_order='list'`: MAFL/testing.txt order),
# warps drawn and applied on the 136-px image before the 96-px crop
# (`warp_frame='crop'`: normalised on the crop instead), keypoints moved to
# the nearest pixel of the sampling grid, so ground truth is integer and a
# perfect matcher scores about 0.03 px (`keypoint_rule='exact'`: sub-pixel
# transfer, a floor of about 0.28 px for integer predictions).
# Scoring rule (SPEC section 4), ours by default: maps upsampled to 96 px,
# per-pixel argmax of cosine similarity, source image resampled once
# through g1 then g2. DVE's test_matching.py (`protocol='dve'`): argmax over
# the descriptor grid (prediction = cell x stride), raw dot product, source
# resampled through g1 and then through g2. The model and the pipeline each
# take the options (a single option overrides the preset):
#   --cfg-options model.protocol=dve \
#       test_dataloader.dataset.pipeline.0.protocol=dve
# `report_dve` (default True) also reports DVE's rule on the same
# descriptors (grid argmax + dot: matching/same_dve, matching/diff_dve; its
# twice-resampled source needs the second command above). The breakdown
# keys matching/{same,diff}[_baseline]_within_{1,3,5}px, _mirror_rate and
# _far_rate say where the errors come from (MAFLMatchingMetric).
# `projector` must match the stage-2 config's projector type.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/mafl_matching.py',
    '../_base_/models/deit.py'
]

# tools/test.py --show-dir DIR draws the pairs (source | same | different,
# ground truth rings vs predicted dots) with MatchingVisualizationHook
default_hooks = dict(visualization=dict(type='MatchingVisualizationHook'))

widths = _base_.deit.s  # noqa: F821
stride = 2
context = 4  # real pixels around the 96-px crop read by cover-and-stride
matching_seed = 0  # seed of the evaluation warps
pair_order = 'sorted'  # or 'list'
warp_frame = 'resize'  # or 'crop'
keypoint_rule = 'grid'  # or 'exact'
projector = 'SpatialProjector'  # or 'Projector' (as in stage 2)
protocol = None  # scoring-rule preset: None (ours) or 'dve'
argmax = None  # None: the protocol's ('pixel'); or 'grid'
similarity = None  # None: the protocol's ('cosine'); or 'dot'
source_resample = None  # None: the protocol's ('once'); or 'twice'
report_dve = True  # also DVE's rule (grid argmax, dot) on the same maps

model = dict(
    type='LandmarkMatcher',
    data_preprocessor=dict(
        type='MatchingDataPreprocessor',
        mean=[0.5084 * 255, 0.4224 * 255, 0.3769 * 255],
        std=[0.2599 * 255, 0.2371 * 255, 0.2323 * 255],
        bgr_to_rgb=False),  # PackMatchingInputs(to_rgb=True) gives RGB
    backbone=dict(
        type='SCEViT',
        arch=widths.arch,
        patch_size=8,
        img_size=96,
        stride=8,
        frozen=True,
        checkpoint=None),
    neck=dict(
        type='CARB',
        in_channels=widths.embed_dims,
        out_channels=widths.proj_dims,
        concat_backbone=False,
        frozen=True,
        projector=dict(type=projector)),
    descriptor='projector',
    stride=stride,
    chunk_size=8,
    protocol=protocol,
    argmax=argmax,
    similarity=similarity,
    source_resample=source_resample,
    report_dve=report_dve)

test_dataloader = dict(
    dataset=dict(order=pair_order, pipeline=[
        dict(
            type='MatchingPairWarp',
            resize=136,
            crop=96,
            context=context,
            seed=matching_seed,
            warpsd_all=0.0005,
            warpsd_subset=0.005,
            transsd=0.05,
            scalesd=0.05,
            rotsd=2.5,
            warp_frame=warp_frame,
            keypoint_rule=keypoint_rule,
            source_resample=source_resample,
            protocol=protocol),
        dict(type='PackMatchingInputs', to_rgb=True),
    ]))
# the matching error with its same-location baseline, and the silhouette
# of the test landmarks' descriptors (paper Fig. 5: in descriptor space and
# over 3 t-SNE runs; the embedding as a PNG: tools/make_figures.py tsne)
test_evaluator = [
    dict(
        type='MAFLMatchingMetric',
        image_size=96,
        frame_size=70,
        baseline=True,
        report_dve=report_dve,
        breakdown=True),
    dict(type='LandmarkSilhouetteMetric', tsne_runs=3),
]
test_cfg = dict()
