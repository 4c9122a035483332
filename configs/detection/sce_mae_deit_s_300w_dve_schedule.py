# SCE-MAE DeiT-S landmark detection on 300W with DVE's regressor schedule
# (300 epochs, steps at 100 / 250, Adam with amsgrad) instead of CL's
# stopped cosine (sce_mae_deit_s_300w.py, the default). The last epoch is
# reported:
#   python tools/train.py \
#       configs/detection/sce_mae_deit_s_300w_dve_schedule.py \
#       --cfg-options model.init_cfg.checkpoint=STAGE2.pth
_base_ = ['./sce_mae_deit_s_300w.py', './_base_/schedule_dve.py']

max_epochs = _base_.dve_max_epochs  # noqa: F821
optim_wrapper = _base_.dve_optim_wrapper  # noqa: F821
param_scheduler = _base_.dve_param_scheduler  # noqa: F821
train_cfg = dict(max_epochs=max_epochs, val_interval=50)
default_hooks = dict(checkpoint=dict(interval=50))
