# Limited annotations (paper Table 3) with CL's protocol (its README's
# limited-annotation command of eval_face.py): the subset is tiled to
# min(1000, N) samples per epoch for 1000 epochs (32,000 iterations at
# batch 32, whatever n), Adam lr 1e-2, betas (0.5, 0.999), weight decay
# 0.05, cosine over the 1000 epochs, TPS augmentation (--TPS_aug; here the
# same WarperSingle warp as the DVE protocol). Everything else as
# sce_mae_deit_s_aflw_m_limited.py (DVE's protocol, the default):
#   python tools/limited_annotations.py \
#       configs/detection/sce_mae_deit_s_aflw_m_limited_cl.py \
#       --sizes 1 5 10 20 50 100 --seeds 0 1 2 --dims 128=STAGE2.pth
_base_ = ['./sce_mae_deit_s_aflw_m_limited.py']

max_epochs = 1000

optim_wrapper = dict(
    optimizer=dict(
        lr=1e-2, betas=(0.5, 0.999), weight_decay=0.05, amsgrad=False))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=1e-2 * 0.2**3 * 0.1,  # CL: lr x lr_decay_rate^3 x 0.1
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
limited_annotations = dict(protocol='CL', tile_to=1000, epochs=max_epochs)
