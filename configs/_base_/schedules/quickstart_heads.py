# The quick start's detection heads (docs/benchmark.md), CPU-sized: the
# regressor of models/regressor_deit_s.py on the synthetic stage-2 model,
# on the plain 12 x 12 token map (stride 8: one backbone pass per image
# instead of 16; the paper's 48 x 48 map: --cfg-options
# model.backbone.stride=2), 6 epochs of cosine from CL's lr, batch 16.
# A synthetic detection config adds its dataset and
#   train_dataloader = val_dataloader = test_dataloader = dict(
#       _base_.cpu_loader, dataset=_base_.synthetic.celeba)
_base_ = [
    '../models/regressor_deit_s.py', './regressor_cl.py',
    '../datasets/synthetic.py'
]

max_epochs = 6
stage2_checkpoint = 'work_dirs/sce_mae_deit_s_stage2_synthetic/epoch_2.pth'
cpu_loader = dict(batch_size=16, num_workers=1, persistent_workers=False)

model = dict(
    init_cfg=dict(checkpoint=stage2_checkpoint), backbone=dict(stride=8))
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
