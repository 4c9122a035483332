# SCE-MAE stage 1: MAE pretraining of DeiT-T (patch 8, 96 px) on CelebA;
# the paper's settings, ours where it is silent and the lr scaling rule:
# docs/protocols.md, "Stage 1".
#   python tools/train.py configs/sce_mae_deit_t_stage1.py [--amp]
_base_ = ['./_base_/default_runtime.py', './_base_/models/mae_deit_t.py']

# ----------------------------------------------------------------- data
data_root = 'data/celeba'
batch_size = 512  # per GPU; the paper's total batch is 512
flip_prob = 0.5  # horizontal flip (our default; 0 disables it)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=_base_.img_size),  # noqa
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
    logger=dict(interval=50),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))
randomness = dict(seed=0, diff_rank_seed=True)
