# Stage 1's model: mmpretrain's MAE on DeiT-T at patch 8 and 96 px, with
# MAE's own settings where the paper is silent (mask ratio 0.75,
# normalised-pixel L2 loss, a 4 x 256-d decoder). docs/protocols.md,
# "Stage 1".
_base_ = ['./deit.py', '../datasets/face_normalisation.py']

widths = _base_.deit.t  # noqa: F821
patch_size = 8
img_size = 96
num_patches = (img_size // patch_size)**2  # 144
mask_ratio = 0.75

model = dict(
    type='mmpretrain.MAE',
    _scope_='mmpretrain',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=_base_.data_mean,  # noqa: F821
        std=_base_.data_std,  # noqa: F821
        to_rgb=True),
    backbone=dict(
        type='MAEViT',
        arch=widths.arch,
        img_size=img_size,
        patch_size=patch_size,
        mask_ratio=mask_ratio),
    neck=dict(
        type='MAEPretrainDecoder',
        num_patches=num_patches,
        patch_size=patch_size,
        in_chans=3,
        embed_dim=widths.embed_dims,
        decoder_embed_dim=256,
        decoder_depth=4,
        decoder_num_heads=8,
        mlp_ratio=4.),
    head=dict(
        type='MAEPretrainHead',
        norm_pix=True,
        patch_size=patch_size,
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
    ])
