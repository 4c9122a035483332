# The DeiT widths, said once (patch 8, 96-px faces): mmpretrain's arch,
# the encoder width and its attention heads, SCE-MAE's projector output D
# (paper Table 1: 64 / 128 / 256) and the detection features (backbone and
# projector channels concatenated, embed_dims + proj_dims).
# A config picks its size as `widths = _base_.deit.s` and reads its model's
# widths from it; tests/test_config_widths.py builds every shipped config's
# model and checks them against its name.
deit = dict(
    t=dict(
        arch='deit-t',
        embed_dims=192,
        num_heads=3,
        proj_dims=64,
        feature_dims=192 + 64),
    s=dict(
        arch='deit-s',
        embed_dims=384,
        num_heads=6,
        proj_dims=128,
        feature_dims=384 + 128),
    b=dict(
        arch='deit-b',
        embed_dims=768,
        num_heads=12,
        proj_dims=256,
        feature_dims=768 + 256))
