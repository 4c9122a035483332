# SCE-MAE DeiT-B (projector 256-d, features 768 + 256 = 1024) landmark
# detection: sce_mae_deit_s_aflw_r.py with the DeiT-B stage-2 model.
_base_ = ['./sce_mae_deit_s_aflw_r.py']

widths = _base_.deit.b  # noqa: F821
stage2_checkpoint = 'work_dirs/sce_mae_deit_b_stage2/epoch_10.pth'
model = dict(widths.regressor, init_cfg=dict(checkpoint=stage2_checkpoint))
