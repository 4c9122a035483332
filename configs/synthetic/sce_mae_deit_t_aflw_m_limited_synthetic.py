# Limited annotations (paper Table 3) on the synthetic AFLW_M set, DeiT-T
# (projector 64-d, Table 3's SCE-MAE row), sized for a CPU. The protocol is
# the real config's (configs/detection/sce_mae_deit_s_aflw_m_limited.py,
# DVE's: the subset tiled to the training-set size per epoch, 50 epochs,
# Adam + amsgrad lr 1e-2 constant, WarperSingle, projector-only features,
# 1x1 regressor); only the data and the model are small: 83 synthetic
# training faces instead of 10,122, so an epoch is 3 iterations (batch 32)
# instead of 317 (150 instead of 15,850 iterations per run), the plain
# 12 x 12 token map (stride 8) instead of cover-and-stride, DeiT-T.
# After configs/synthetic/sce_mae_deit_t_stage{1,2}_synthetic.py:
#   python tools/limited_annotations.py \
#       configs/synthetic/sce_mae_deit_t_aflw_m_limited_synthetic.py \
#       --sizes 1 5 10 20 50 --seeds 0 1 2 \
#       --work-dir work_dirs/limited_synthetic
_base_ = ['../detection/sce_mae_deit_s_aflw_m_limited.py']

stage2_checkpoint = 'work_dirs/sce_mae_deit_t_stage2_synthetic/epoch_2.pth'
data_root = 'data/synthetic/aflw-mtfl'
widths = _base_.deit.t  # noqa: F821
projector_dim = widths.proj_dims

model = dict(
    init_cfg=dict(checkpoint=stage2_checkpoint),
    backbone=dict(arch=widths.arch, stride=8),
    neck=dict(in_channels=widths.embed_dims, out_channels=projector_dim),
    head=dict(in_channels=projector_dim))
train_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    dataset=dict(data_root=data_root, check_size=False))
val_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(data_root=data_root, check_size=False))
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=5))
log_processor = dict(window_size=5)
