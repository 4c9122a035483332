# DVE's regressor schedule (its configs/*-keypoints/*.json), the alternative
# to CL's default: Adam with amsgrad, lr 1e-3, weight decay 5e-4, batch 32,
# 300 epochs with the learning rate divided by 10 at epochs 100 and 250, the
# last epoch reported. Used by sce_mae_deit_s_*_dve_schedule.py as
#   optim_wrapper = _base_.dve_optim_wrapper
# (the names differ from the regressor base's, so both can be bases).
dve_max_epochs = 300
dve_optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='Adam',
        lr=1e-3,
        betas=(0.9, 0.999),
        weight_decay=5e-4,
        amsgrad=True))
dve_param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[100, 250],
        gamma=0.1,
        by_epoch=True,
        begin=0,
        end=dve_max_epochs)
]
