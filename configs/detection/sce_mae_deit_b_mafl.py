# SCE-MAE DeiT-B (projector 256-d, features 768 + 256 = 1024) landmark
# detection: sce_mae_deit_s_mafl.py with the DeiT-B stage-2 model.
_base_ = ['./sce_mae_deit_s_mafl.py']

widths = _base_.deit.b  # noqa: F821
model = dict(
    init_cfg=dict(checkpoint='work_dirs/sce_mae_deit_b_stage2/epoch_10.pth'),
    backbone=dict(arch=widths.arch),
    neck=dict(in_channels=widths.embed_dims, out_channels=widths.proj_dims),
    head=dict(in_channels=widths.feature_dims))
