# Runtime shared by every sce_mae_mm config.
default_scope = 'mmpose'
custom_imports = dict(imports=['sce_mae_mm'], allow_failed_imports=False)

# sce_mae_mm.engine.SCEMAERunner (built by tools/train.py and tools/test.py):
# checkpoints that do not fit the model are refused, checkpoints are written
# atomically, and a mid-epoch --resume continues at the next batch.
runner_type = 'SCEMAERunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='PoseVisualizationHook', enable=False),
)
# Reliability (sce_mae_mm/engine/hooks): stop at the first NaN/inf loss
# (nothing saved after it), one training run per work dir, and the RNG
# state in every checkpoint so a resumed run equals an uninterrupted one.
# MeanShapeBaselineHook gives the detection metrics (InputFrameNME) the
# mean training shape, the trivial baseline printed beside the NME; other
# metrics are left alone.
custom_hooks = [
    dict(type='NonFiniteLossHook'),
    dict(type='WorkDirLockHook'),
    dict(type='RNGStateHook'),
    dict(type='MeanShapeBaselineHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='FacePoseVisualizer', vis_backends=vis_backends, name='visualizer')

log_processor = dict(
    type='LogProcessor', window_size=50, by_epoch=True, num_digits=6)
log_level = 'INFO'
load_from = None
resume = False
backend_args = dict(backend='local')
randomness = dict(seed=0)
