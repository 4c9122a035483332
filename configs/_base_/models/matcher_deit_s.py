# Landmark matching's model: the frozen stage-2 DeiT-S (backbone and
# projector, read from a stage-2 checkpoint with the same module names)
# and the scoring rule, ours by default. docs/protocols.md, "Matching".
_base_ = ['./deit.py', '../datasets/face_normalisation.py']

widths = _base_.deit.s  # noqa: F821
stride = 2  # cover-and-stride: 48 x 48 maps (8: the 12 x 12 token map)
projector = 'SpatialProjector'  # or 'Projector' (as in stage 2)
protocol = None  # scoring-rule preset: None (ours) or 'dve'
argmax = None  # None: the protocol's ('pixel'); or 'grid'
similarity = None  # None: the protocol's ('cosine'); or 'dot'
source_resample = None  # None: the protocol's ('once'); or 'twice'
report_dve = True  # also DVE's rule (grid argmax, dot) on the same maps

model = dict(
    type='LandmarkMatcher',
    data_preprocessor=_base_.triplet_preprocessor,  # noqa: F821
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
