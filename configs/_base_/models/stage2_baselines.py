# The supplementary's second stages (Tables S2-S4), each the change it
# makes to SCE-MAE's stage-2 model (sce_mae_stage2_deit_s.py), applied to a
# stage-2 config of any size or data with
#   _base_ = ['../sce_mae_deit_t_stage2.py',
#             '../_base_/models/stage2_baselines.py']
#   model = _base_.lead
# What each one is and how it reads its reference: docs/protocols.md,
# "The supplementary's second stages".

# CL's objective with SCE-MAE's projector and schedule: every position of
# the map, no split, no clustering
cl_projector = dict(
    type='DenseStage2',
    loss=dict(
        _delete_=True,
        type='CLLoss',
        scale=7.,
        power=0.5,
        image_size=96,
        loss_weight=1.))
# "clustering without LCR": CARB's selection scored by CL's objective
clustering_cl = dict(
    loss=dict(_delete_=True, type='CLLoss', scale=7., power=0.5,
              token_stride=8., loss_weight=1.))
# LEAD (our implementation of its description): the projector matches the
# frozen backbone's similarity distributions to a second image, the next
# face of the batch or (second_view='tps') a copy under DVE's training warp
lead = dict(
    type='DenseStage2',
    second_view='batch',
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
# ContrastLandmark's own projector (cl_deit_*_stage2.py and its matching):
# the map upsampled to 24 x 24 while training, to the 96-px image at test
# time, a 1x1 conv and a spatial softmax x 7 (widths: the config's)
cl_distiller = dict(
    _delete_=True,
    type='CLDistiller',
    kernel_size=1,
    softmax_mul=7.,
    train_size=24,
    test_size=96)
