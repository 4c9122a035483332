# Limited annotations (paper Table 3) on AFLW_M with SCE-MAE DeiT-S, DVE's
# protocol (the subset tiled to the training-set size, 50 epochs, Adam with
# amsgrad lr 1e-2 constant, WarperSingle, projector features, 1x1 regressor;
# docs/protocols.md, "Limited annotations"). CL's protocol:
# sce_mae_deit_s_aflw_m_limited_cl.py. All sizes, 3 seeds, one command:
#   python tools/limited_annotations.py \
#       configs/detection/sce_mae_deit_s_aflw_m_limited.py \
#       --sizes 1 5 10 20 50 100 --seeds 0 1 2 \
#       --dims 64=STAGE2_D64.pth 128=STAGE2_D128.pth 256=STAGE2_D256.pth
_base_ = [
    '../_base_/datasets/aflw_m.py', '../_base_/models/regressor_deit_s.py',
    '../_base_/schedules/regressor_dve.py'
]

max_epochs = 50
projector_dim = 128  # the DeiT-S stage-2 projector

model = dict(
    cache_features=False,  # the warp changes every sample
    neck=dict(out_channels=projector_dim, concat_backbone=False),
    head=dict(in_channels=projector_dim, hidden_channels=()))
train_pipeline = _base_.det_limited_train_pipeline  # noqa: F821
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=1e-2))
param_scheduler = [
    dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0,
         end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))

# read by tools/limited_annotations.py: samples per epoch (`train_size`: the
# full training set, DVE; an int: min(that, N), CL) and epochs
limited_annotations = dict(
    protocol='DVE', tile_to='train_size', epochs=max_epochs)
