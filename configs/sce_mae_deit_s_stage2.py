# SCE-MAE stage 2: CARB + LCR loss on a frozen stage-1 DeiT-S (only the
# projector trains). The paper's settings and ours where it is silent:
# docs/protocols.md, "Stage 2: options and defaults".
#   python tools/train.py configs/sce_mae_deit_s_stage2.py \
#       --cfg-options model.backbone.checkpoint=work_dirs/.../epoch_400.pth
_base_ = [
    './_base_/default_runtime.py', './_base_/models/sce_mae_stage2_deit_s.py'
]

# ----------------------------------------------------------------- data
data_root = 'data/celeba'
batch_size = 64
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='DVEFaceCrop', resize=136, crop=96),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='CelebADataset',
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))

# ------------------------------------------------------------- schedule
base_lr = 1e-3
max_epochs = 10
warmup_epochs = 1
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=base_lr, weight_decay=0.05))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
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
auto_scale_lr = dict(base_batch_size=64, enable=False)

default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3))
randomness = dict(seed=0, diff_rank_seed=True)
