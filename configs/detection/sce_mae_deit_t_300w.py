# SCE-MAE DeiT-T (projector 64-d, features 192 + 64 = 256) landmark
# detection: sce_mae_deit_s_300w.py with the DeiT-T stage-2 model.
_base_ = ['./sce_mae_deit_s_300w.py']

widths = _base_.deit.t  # noqa: F821
stage2_checkpoint = 'work_dirs/sce_mae_deit_t_stage2/epoch_10.pth'
model = dict(widths.regressor, init_cfg=dict(checkpoint=stage2_checkpoint))
