# SCE-MAE DeiT-S landmark detection on AFLW_R with DVE's regressor schedule
# (300 epochs, steps at 100 / 250, Adam with amsgrad) instead of CL's
# stopped cosine (sce_mae_deit_s_aflw_r.py, the default); the last epoch is
# reported:
#   python tools/train.py \
#       configs/detection/sce_mae_deit_s_aflw_r_dve_schedule.py \
#       --cfg-options model.init_cfg.checkpoint=STAGE2.pth
_base_ = [
    '../_base_/datasets/aflw_r.py', '../_base_/models/regressor_deit_s.py',
    '../_base_/schedules/regressor_dve.py'
]
