# Landmark detection (DeiT-S, AFLW_R) on the synthetic set: CPU minutes.
# After configs/synthetic/sce_mae_deit_s_stage{1,2}_synthetic.py:
#   python tools/train.py configs/synthetic/sce_mae_deit_s_aflw_r_synthetic.py
#   python tools/test.py configs/synthetic/sce_mae_deit_s_aflw_r_synthetic.py \
#       work_dirs/sce_mae_deit_s_aflw_r_synthetic/epoch_6.pth
# Shorter than the real schedule and on the plain 12 x 12 token map
# (stride 8: one backbone pass per image instead of 16) to fit a CPU; the
# paper's 48 x 48 cover-and-stride map: --cfg-options model.backbone.stride=2
_base_ = ['../detection/sce_mae_deit_s_aflw_r.py']

max_epochs = 6  # the quick start's head schedule (docs/benchmark.md)
stage2_checkpoint = 'work_dirs/sce_mae_deit_s_stage2_synthetic/epoch_2.pth'

model = dict(
    init_cfg=dict(checkpoint=stage2_checkpoint), backbone=dict(stride=8))
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(
        data_root='data/synthetic/aflw/aflw_release-2', check_size=False))
val_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(
        data_root='data/synthetic/aflw/aflw_release-2', check_size=False))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0.,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
default_hooks = dict(
    logger=dict(interval=5), checkpoint=dict(interval=max_epochs))
log_processor = dict(window_size=5)
