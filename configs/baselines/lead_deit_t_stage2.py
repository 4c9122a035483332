# LEAD's second stage on a frozen stage-1 DeiT-T, 64-d projector (paper
# Table S2/S3 "LEAD, DeiT-T"). See lead_deit_s_stage2.py.
_base_ = ['../sce_mae_deit_t_stage2.py']

model = dict(
    type='DenseStage2',
    second_view='batch',
    # second_view='tps': DVE's training warp as DVE applies it, the sds
    # of its utils/tps.py Warper at im1_multiplier=0.5 (the sds alone, at
    # multiplier 1, would warp twice as hard as DVE trains)
    tps_args=dict(
        warpsd_all=0.001,
        warpsd_subset=0.01,
        transsd=0.1,
        scalesd=0.1,
        rotsd=5.,
        multiplier=0.5),
    loss=dict(
        _delete_=True,
        type='LEADLoss',
        tau_student=0.1,
        tau_teacher=0.05,
        loss_weight=1.))
