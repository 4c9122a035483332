# MAFL landmark matching (DVE's test_matching.py): 500 pairs of the 1,000
# MAFL test images; source, same identity and different identity are
# warped by TPS warps drawn from (seed, pair id). Each sample is a uint8
# (3, 3, 96+2c, 96+2c) RGB triplet with its keypoints in the 96-px frame;
# the model normalises its own input. The protocol and its options:
# docs/protocols.md, "Matching". The synthetic set: synthetic.py.
dataset_type = 'MAFLMatchingDataset'
data_root = 'data/celeba'
context = 4  # real pixels around the 96-px crop read by cover-and-stride
matching_seed = 0  # seed of the evaluation warps
pair_order = 'sorted'  # or 'list'
warp_frame = 'resize'  # or 'crop'
keypoint_rule = 'grid'  # or 'exact'
# source_resample and protocol are the model's scoring-rule options too
# (None: ours); DVE's sets both, docs/protocols.md
test_pipeline = [
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
        source_resample=None,
        protocol=None),
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
        order=pair_order,
        pipeline=test_pipeline))
