# LEAD's second stage on a frozen stage-1 DeiT-S (paper Table S2/S3 "LEAD,
# DeiT-S"). No public code of LEAD's second stage exists; this is our
# implementation of its description (SPEC section 7, see
# sce_mae_mm/models/losses/lead_loss.py): for every query location of an
# image, the projector's (student's) similarity distribution over all
# locations of a second image is trained to match the frozen backbone's
# (teacher's), KL(teacher || student), cosine similarities, separate
# temperatures (ours: 0.1 student, 0.05 teacher; the paper gives none).
# Second image: the next face of the batch (second_view='batch', default)
# or a TPS-warped copy of the same face (second_view='tps', DVE's training
# warp):  --cfg-options model.second_view=tps
#   python tools/train.py configs/baselines/lead_deit_s_stage2.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = ['../sce_mae_deit_s_stage2.py']

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
