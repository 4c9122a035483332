# MAFL landmark matching (SPEC section 4, DVE's test_matching.py): 500 pairs
# of the 1,000 MAFL test images in ascending file-name order (order='list':
# MAFL/testing.txt order), pair i = images (2i, 2i+1) = (A, B).
# Source = A warped by g1_A then g2; same = A warped by g1_A; diff = B warped
# by g1_B. Warps drawn from (seed, pair id): deterministic, drawn and applied
# on the 136-px image before the 96-px crop (warp_frame='resize'; 'crop'
# normalises them on the crop); keypoints moved to the nearest pixel of the
# sampling grid (keypoint_rule='grid', integer ground truth; 'exact':
# sub-pixel transfer, a floor of ~0.28 px for integer predictions). The
# source is resampled once through g1 then g2 (source_resample='once';
# 'twice' or protocol='dve': through g1, then the result through g2, as
# DVE's Warper). Each sample is
# `inputs` uint8 (3, 3, 96+2c, 96+2c) RGB [source, same, diff] and a
# PoseDataSample with src/same/diff_keypoints (5, 2) in the 96-px frame; the
# model normalises its own input. For the synthetic set:
# data_root='data/synthetic/celeba' and check_size=False.
dataset_type = 'MAFLMatchingDataset'
data_root = 'data/celeba'
matching_seed = 0
test_pipeline = [
    dict(
        type='MatchingPairWarp',
        resize=136,
        crop=96,
        context=0,
        seed=matching_seed,
        warpsd_all=0.0005,
        warpsd_subset=0.005,
        transsd=0.05,
        scalesd=0.05,
        rotsd=2.5,
        warp_frame='resize',
        keypoint_rule='grid',
        source_resample='once'),
    dict(type='PackMatchingInputs', to_rgb=True),
]
test_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        test_mode=True,
        order='sorted',
        pipeline=test_pipeline))
# mean pixel error of same / different identity, in DVE's 70-px frame, and
# the same-location baseline on the same pairs (the matching configs also
# set report_dve=True, which needs LandmarkMatcher(report_dve=True))
test_evaluator = [
    dict(type='MAFLMatchingMetric', baseline=True),
    dict(type='LandmarkSilhouetteMetric'),
]
