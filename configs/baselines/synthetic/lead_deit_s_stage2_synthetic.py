# ../lead_deit_s_stage2.py on the synthetic CelebA set (data and
# schedule of configs/synthetic/sce_mae_deit_s_stage2_synthetic.py):
#   python tools/train.py \
#       configs/baselines/synthetic/lead_deit_s_stage2_synthetic.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = ['../../synthetic/sce_mae_deit_s_stage2_synthetic.py']

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
