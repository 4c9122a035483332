# DVE's regressor schedule (its configs/*-keypoints/*.json), the alternative
# to CL's: Adam with amsgrad, lr 1e-3, weight decay 5e-4, batch 32, 300
# epochs with the learning rate divided by 10 at epochs 100 and 250, the
# last epoch reported. Used by detection/sce_mae_deit_s_*_dve_schedule.py.
_base_ = ['./regressor_cl.py']

optim_wrapper = dict(
    optimizer=dict(
        type='Adam',
        lr=1e-3,
        betas=(0.9, 0.999),
        weight_decay=5e-4,
        amsgrad=True))
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[100, 250],
        gamma=0.1,
        by_epoch=True,
        begin=0,
        end=300)
]
train_cfg = dict(max_epochs=300, val_interval=50)
default_hooks = dict(checkpoint=dict(interval=50))
