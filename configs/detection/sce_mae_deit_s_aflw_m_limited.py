# Limited annotations (paper Table 3) on AFLW_M with SCE-MAE DeiT-S, DVE's
# protocol (its configs/aflw-mtfl-limit-annos-*): the subset of n training
# images is tiled to the full training-set size every epoch (n x (N // n)
# samples, N = 10,122) for 50 epochs, i.e. 15,850 iterations at n = 1 and
# 15,800 at n = 100 (batch 32); Adam with amsgrad, lr 1e-2 constant, weight
# decay 5e-4; DVE's WarperSingle augmentation (non-linear sd 0.0005, subset
# 0, translation 0.02, scale 0.02, rotation 2 degrees, at full strength).
# Features: the projector's output only (Table 3's 64 / 128 / 256 dims),
# regressor: DVE's single 1x1 conv (the conv block is for all annotated
# samples). No feature cache (the warp changes every sample).
# CL's protocol instead: sce_mae_deit_s_aflw_m_limited_cl.py.
# All sizes, 3 seeds, one run per projector dim, one command:
#   python tools/limited_annotations.py \
#       configs/detection/sce_mae_deit_s_aflw_m_limited.py \
#       --sizes 1 5 10 20 50 100 --seeds 0 1 2 \
#       --dims 64=STAGE2_D64.pth 128=STAGE2_D128.pth 256=STAGE2_D256.pth
# (--features concat: backbone + projector channels, as Table 2).
_base_ = ['./sce_mae_deit_s_aflw_m.py']

max_epochs = 50
projector_dim = 128  # the DeiT-S stage-2 projector

model = dict(
    cache_features=False,
    neck=dict(out_channels=projector_dim, concat_backbone=False),
    head=dict(in_channels=projector_dim, hidden_channels=()))

train_pipeline = _base_.det_limited_train_pipeline  # noqa: F821
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

optim_wrapper = dict(
    optimizer=dict(
        type='Adam',
        lr=1e-2,
        betas=(0.9, 0.999),
        weight_decay=5e-4,
        amsgrad=True))
param_scheduler = [
    dict(
        type='ConstantLR',
        factor=1.0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))

# read by tools/limited_annotations.py: samples per epoch (`train_size`: the
# full training set, DVE; an int: min(that, N), CL) and epochs
limited_annotations = dict(
    protocol='DVE', tile_to='train_size', epochs=max_epochs)
