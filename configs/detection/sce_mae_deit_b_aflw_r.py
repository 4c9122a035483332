# SCE-MAE DeiT-B (projector 256-d, features 768 + 256 = 1024) landmark
# detection: sce_mae_deit_s_aflw_r.py with the DeiT-B stage-2 model.
_base_ = ['./sce_mae_deit_s_aflw_r.py']

model = dict(
    init_cfg=dict(checkpoint='work_dirs/sce_mae_deit_b_stage2/epoch_10.pth'),
    backbone=dict(arch='deit-b'),
    neck=dict(in_channels=768, out_channels=256),
    head=dict(in_channels=768 + 256))
