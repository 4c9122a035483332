# ContrastLandmark's own second stage on a frozen stage-1 DeiT-S (paper
# Tables S2/S3 "CL, DeiT-S") as CL's code trains its projector: CLDistiller
# + CLLoss, Adam, 10 epochs, the epoch of lowest different-identity error on
# MAFL training pairs kept (never the test set). docs/protocols.md, "The
# supplementary's second stages".
#   python tools/train.py configs/baselines/cl_deit_s_stage2.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
#   python tools/test.py configs/baselines/cl_deit_s_mafl_matching.py \
#       work_dirs/cl_deit_s_stage2/best_matching_diff_epoch_N.pth
_base_ = [
    '../sce_mae_deit_s_stage2.py', '../_base_/models/stage2_baselines.py'
]

max_epochs = 10
base_lr = 1e-3
val_pairs_images = 2000  # MAFL training images of the selection pairs

model = dict(
    type='CLStage2',
    matching_stride=2,
    data_preprocessor=dict(
        _delete_=True,
        type='Stage2DataPreprocessor',
        image=_base_.image_preprocessor,  # noqa: F821
        triplet=_base_.triplet_preprocessor),  # noqa: F821
    neck=dict(_base_.cl_distiller, **_base_.widths.neck),  # noqa: F821
    loss=_base_.cl_projector.loss)  # noqa: F821  (CL's objective)

train_dataloader = dict(batch_size=32)
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True,
        type='Adam',
        lr=base_lr,
        betas=(0.5, 0.999),
        weight_decay=5e-4,
        eps=1e-8))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=base_lr * 0.2**3 * 0.1,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)

# model selection on MAFL training pairs (the evaluation's warps, seed 1)
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type='MAFLMatchingDataset',
        data_root='data/celeba',
        split='train',
        order='sorted',
        max_images=val_pairs_images,
        check_size=True,
        test_mode=True,
        pipeline=[
            dict(
                type='MatchingPairWarp',
                resize=136,
                crop=96,
                context=4,
                seed=1,
                warp_frame='resize',
                keypoint_rule='grid'),
            dict(type='PackMatchingInputs', to_rgb=True),
        ]))
val_evaluator = dict(type='MAFLMatchingMetric', baseline=True)
val_cfg = dict(type='ValLoop')
default_hooks = dict(
    checkpoint=dict(save_best='matching/diff', rule='less'))
