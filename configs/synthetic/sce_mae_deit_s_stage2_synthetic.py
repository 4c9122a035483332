# Stage 2 (DeiT-S) on the synthetic CelebA set: a couple of CPU minutes.
#
# Make the data and a stage-1 checkpoint first:
#   python tools/make_synthetic_faces.py --out data/synthetic --num 2000
#   python tools/train.py configs/synthetic/sce_mae_deit_s_stage1_synthetic.py
# then:
#   python tools/train.py configs/synthetic/sce_mae_deit_s_stage2_synthetic.py
# which reads work_dirs/sce_mae_deit_s_stage1_synthetic/epoch_32.pth (another
# stage-1 checkpoint: --cfg-options model.backbone.checkpoint=PATH).
# 2 epochs of the quick start's stage-2 faces (504 steps at batch 16: the
# quick start passes train_dataloader.dataset.indices=4036, the first 4,036
# of its 11,196 training faces; --long trains on all of its faces). More
# stage-2 steps helped on a weak stage 1 in the stage-1 recipe study
# (synthetic seed 100; docs/benchmark.md, rows base, base_s2x6, base_s2x8:
# 19.32 / 18.04 / 17.05 px different identity after 148 / 444 / 592 steps)
# but not on stronger ones (504 against 1,008 or 1,400 steps moved it by
# 0.02-0.13 px). The paper trains 10 epochs of 162,770 faces.
_base_ = ['../sce_mae_deit_s_stage2.py']

data_root = 'data/synthetic/celeba'
batch_size = 16
max_epochs = 2
warmup_iters = 10

model = dict(
    backbone=dict(
        checkpoint='work_dirs/sce_mae_deit_s_stage1_synthetic/epoch_32.pth'))
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(data_root=data_root, check_size=False))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=False,
        begin=0,
        end=warmup_iters),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=1, max_keep_ckpts=1))
log_processor = dict(window_size=5)
