# The DeiT widths, said once (patch 8, 96-px faces). `arch` is mmpretrain's
# preset, which sets the encoder (embed_dims, heads, depth); embed_dims is
# restated for the necks and heads that read it (tests/test_config_widths.py
# checks it against the preset), proj_dims is SCE-MAE's projector output D
# (paper Table 1) and feature_dims the detection heads' input (backbone and
# projector channels concatenated).
deit = dict(
    t=dict(arch='deit-t', embed_dims=192, proj_dims=64),
    s=dict(arch='deit-s', embed_dims=384, proj_dims=128),
    b=dict(arch='deit-b', embed_dims=768, proj_dims=256))


def _model_keys(arch, embed_dims, proj_dims):
    """The model keys a config of one size sets: `model = widths.mae`
    (stage 1), `widths.projector` (stage 2, the matchers) or
    `widths.regressor` (detection: encoder, projector, head)."""
    backbone = dict(arch=arch)
    neck = dict(in_channels=embed_dims, out_channels=proj_dims)
    head = dict(in_channels=embed_dims + proj_dims)
    return dict(
        feature_dims=head['in_channels'],
        backbone=backbone,
        neck=neck,
        mae=dict(backbone=backbone, neck=dict(embed_dim=embed_dims)),
        projector=dict(backbone=backbone, neck=neck),
        regressor=dict(backbone=backbone, neck=neck, head=head))


deit = {size: dict(w, **_model_keys(**w)) for size, w in deit.items()}
