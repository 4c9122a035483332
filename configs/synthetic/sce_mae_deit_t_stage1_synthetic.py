# Stage 1 (DeiT-T MAE) on the synthetic CelebA set: a few CPU minutes.
#
# Make the data first:
#   python tools/make_synthetic_faces.py --out data/synthetic --num 2000
# then:
#   python tools/train.py configs/synthetic/sce_mae_deit_t_stage1_synthetic.py
# The reconstruction loss falls within the first epochs. A short schedule
# with a small batch, so a larger lr than the paper's scaled rule
# (3e-4 * 16 / 512) to see learning in minutes.
_base_ = ['../sce_mae_deit_t_stage1.py']

data_root = 'data/synthetic/celeba'
batch_size = 16
max_epochs = 10
warmup_epochs = 1
base_lr = 1.5e-3

train_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(data_root=data_root, check_size=False))
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=5, max_keep_ckpts=1))
log_processor = dict(window_size=5)
