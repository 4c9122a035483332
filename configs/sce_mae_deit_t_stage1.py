# SCE-MAE stage 1: MAE pretraining of DeiT-T (patch 8, 96 px) on CelebA.
#
# Paper settings (SPEC section 2): CelebA training partition minus MAFL,
# 400 epochs, batch 512, lr 3e-4, patch 8, resize 136 -> centre crop 96,
# trained from scratch. Our defaults where the paper is silent (MAE's own):
# mask ratio 0.75, AdamW betas (0.9, 0.95), weight decay 0.05, 40 warm-up
# epochs then cosine, normalised-pixel L2 loss, a light 4 x 256-d decoder.
#
# Learning-rate scaling rule: lr = 3e-4 * total_batch / 512. The batch
# below is per GPU (512 on one GPU = the paper's batch); with N GPUs or a
# different batch run `tools/train.py ... --auto-scale-lr` and MMEngine
# rescales lr by (batch_size * N) / auto_scale_lr.base_batch_size.
# Mixed precision on a GPU: `tools/train.py ... --amp`.
_base_ = ['./_base_/default_runtime.py', './_base_/models/deit.py']

# ---------------------------------------------------------------- model
widths = _base_.deit.t  # noqa: F821
arch = widths.arch  # mmpretrain ViT arch (configs/_base_/models/deit.py)
embed_dims = widths.embed_dims
patch_size = 8
img_size = 96
num_patches = (img_size // patch_size)**2  # 144
mask_ratio = 0.75
decoder_embed_dims = 256
decoder_depth = 4
decoder_num_heads = 8

# SPEC section 5 normalisation (RGB, 0-255 scale); images load as BGR
data_mean = [0.5084 * 255, 0.4224 * 255, 0.3769 * 255]
data_std = [0.2599 * 255, 0.2371 * 255, 0.2323 * 255]

model = dict(
    type='mmpretrain.MAE',
    _scope_='mmpretrain',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=data_mean,
        std=data_std,
        to_rgb=True),
    backbone=dict(
        type='MAEViT',
        arch=arch,
        img_size=img_size,
        patch_size=patch_size,
        mask_ratio=mask_ratio),
    neck=dict(
        type='MAEPretrainDecoder',
        num_patches=num_patches,
        patch_size=patch_size,
        in_chans=3,
        embed_dim=embed_dims,
        decoder_embed_dim=decoder_embed_dims,
        decoder_depth=decoder_depth,
        decoder_num_heads=decoder_num_heads,
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

# ----------------------------------------------------------------- data
data_root = 'data/celeba'
batch_size = 512  # per GPU; the paper's total batch is 512
flip_prob = 0.5  # horizontal flip (our default; 0 disables it)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=img_size),
    dict(type='mmpretrain.RandomFlip', prob=flip_prob),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CelebADataset',
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))

# ------------------------------------------------------------- schedule
base_lr = 3e-4  # at a total batch of 512
max_epochs = 400
warmup_epochs = 40
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=base_lr, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        custom_keys={
            'ln': dict(decay_mult=0.0),
            'bias': dict(decay_mult=0.0),
            'pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512, enable=False)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))
randomness = dict(seed=0, diff_rank_seed=True)
