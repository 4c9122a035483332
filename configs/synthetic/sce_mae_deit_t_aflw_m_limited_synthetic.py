# Limited annotations (paper Table 3) on the synthetic AFLW_M set, DeiT-T
# (64-d projector), sized for a CPU: the real config's protocol
# (../detection/sce_mae_deit_s_aflw_m_limited.py) on 83 synthetic training
# faces (3 iterations an epoch instead of 317) and the plain 12 x 12 token
# map (stride 8). After sce_mae_deit_t_stage{1,2}_synthetic.py:
#   python tools/limited_annotations.py \
#       configs/synthetic/sce_mae_deit_t_aflw_m_limited_synthetic.py \
#       --sizes 1 5 10 20 50 --seeds 0 1 2 \
#       --work-dir work_dirs/limited_synthetic
_base_ = [
    '../detection/sce_mae_deit_s_aflw_m_limited.py',
    '../_base_/datasets/synthetic.py'
]

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
    dataset=_base_.synthetic.aflw_m)  # noqa: F821
val_dataloader = test_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=False,
    dataset=_base_.synthetic.aflw_m)  # noqa: F821
default_hooks = dict(logger=dict(interval=5))
log_processor = dict(window_size=5)
