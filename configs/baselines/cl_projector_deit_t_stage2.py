# Variant of the CL baseline: CL's objective with SCE-MAE's projector and
# schedule on a frozen stage-1 DeiT-T, 64-d projector
# (paper Table S2/S3 "CL, DeiT-T"). See cl_projector_deit_s_stage2.py.
_base_ = ['../sce_mae_deit_t_stage2.py']

model = dict(
    type='DenseStage2',
    loss=dict(
        _delete_=True,
        type='CLLoss',
        scale=7.,
        power=0.5,
        image_size=96,
        loss_weight=1.))
