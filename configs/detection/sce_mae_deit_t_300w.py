# SCE-MAE DeiT-T (projector 64-d, features 192 + 64 = 256) landmark
# detection: sce_mae_deit_s_300w.py with the DeiT-T stage-2 model.
_base_ = ['./sce_mae_deit_s_300w.py']

widths = _base_.deit.t  # noqa: F821
model = dict(
    init_cfg=dict(checkpoint='work_dirs/sce_mae_deit_t_stage2/epoch_10.pth'),
    backbone=dict(arch=widths.arch),
    neck=dict(in_channels=widths.embed_dims, out_channels=widths.proj_dims),
    head=dict(in_channels=widths.feature_dims))
