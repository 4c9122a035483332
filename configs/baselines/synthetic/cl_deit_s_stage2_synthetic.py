# ../cl_deit_s_stage2.py (ContrastLandmark's own second stage) on the
# synthetic CelebA set: the data, batch and epochs of
# configs/synthetic/sce_mae_deit_s_stage2_synthetic.py, CL's optimiser, and
# model selection on 40 synthetic MAFL training images (20 pairs).
#   python tools/train.py \
#       configs/baselines/synthetic/cl_deit_s_stage2_synthetic.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = ['../cl_deit_s_stage2.py', '../../_base_/datasets/synthetic.py']

data_root = 'data/synthetic/celeba'
batch_size = 16
max_epochs = 2
stage1_checkpoint = 'work_dirs/sce_mae_deit_s_stage1_synthetic/epoch_32.pth'

model = dict(backbone=dict(checkpoint=stage1_checkpoint))
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=False,
    pin_memory=False,
    dataset=_base_.synthetic.celeba)  # noqa: F821
val_dataloader = dict(
    num_workers=1,
    dataset=dict(_base_.synthetic.celeba, max_images=40))  # noqa: F821
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs,  # noqa: F821
         end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    logger=dict(interval=5), checkpoint=dict(interval=1, max_keep_ckpts=1))
log_processor = dict(window_size=5)
