# ContrastLandmark's own second stage on a frozen stage-1 DeiT-S (paper
# Tables S2/S3 "CL, DeiT-S"), as CL's public code trains its projector
# (models/feat_distiller.py, train_feature_projector.py; SPEC section 7):
# - projector CLDistiller: the last-layer map upsampled bilinearly to 24 x 24
#   while training (96 x 96, the image, at test time), a 1x1 conv to D and a
#   spatial softmax per channel of 7 x the logits;
# - loss CLLoss on the 24 x 24 map: for every location a softmax over all
#   locations of 7 x cosine similarity, weighted by the pixel distance to the
#   power 0.5;
# - Adam lr 1e-3, betas (0.5, 0.999), weight decay 5e-4, cosine to
#   lr * 0.2^3 * 0.1 over 10 epochs (CL's defaults), batch 32;
# - model selection: the epoch of lowest different-identity matching error
#   on 2,000 MAFL training images (1,000 pairs; CL's validation set), never
#   on the test set: best_matching_diff_epoch_*.pth.
#   python tools/train.py configs/baselines/cl_deit_s_stage2.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
#   python tools/test.py configs/baselines/cl_deit_s_mafl_matching.py \
#       work_dirs/cl_deit_s_stage2/best_matching_diff_epoch_N.pth
# The variant with SCE-MAE's projector and schedule is
# cl_projector_deit_s_stage2.py.
_base_ = ['../sce_mae_deit_s_stage2.py']

widths = _base_.deit.s  # noqa: F821
max_epochs = 10
base_lr = 1e-3
val_pairs_images = 2000  # MAFL training images of the selection pairs
data_mean = [0.5084 * 255, 0.4224 * 255, 0.3769 * 255]
data_std = [0.2599 * 255, 0.2371 * 255, 0.2323 * 255]

model = dict(
    type='CLStage2',
    matching_stride=2,
    data_preprocessor=dict(
        _delete_=True,
        type='Stage2DataPreprocessor',
        image=dict(
            type='PoseDataPreprocessor',
            mean=data_mean,
            std=data_std,
            bgr_to_rgb=True),
        triplet=dict(
            type='MatchingDataPreprocessor',
            mean=data_mean,
            std=data_std,
            bgr_to_rgb=False)),
    neck=dict(
        _delete_=True,
        type='CLDistiller',
        in_channels=widths.embed_dims,
        out_channels=widths.proj_dims,
        kernel_size=1,
        softmax_mul=7.,
        train_size=24,
        test_size=96),
    loss=dict(
        _delete_=True,
        type='CLLoss',
        scale=7.,
        power=0.5,
        image_size=96,
        loss_weight=1.))

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
