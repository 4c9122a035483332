# MAFL landmark matching (SPEC section 4): 500 pairs of the 1,000 MAFL test
# images in MAFL/testing.txt order, pair i = images (2i, 2i+1) = (A, B).
# Source = A warped by g1_A then g2; same = A warped by g1_A; diff = B warped
# by g1_B. Warps drawn from (seed, pair id): deterministic. Each sample is
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
        rotsd=2.5),
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
        pipeline=test_pipeline))
# mean pixel error of same / different identity, in DVE's 70-px frame
test_evaluator = dict(type='MAFLMatchingMetric')
