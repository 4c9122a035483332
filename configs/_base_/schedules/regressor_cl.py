# CL's regressor schedule (its eval_face.py, the README command of its face
# benchmarks): Adam lr 1e-3, betas (0.5, 0.999), weight decay 5e-4, cosine
# over 200 epochs to lr x 0.2^3 x 0.1, stopped at each dataset's epoch
# (train_cfg.max_epochs in the detection configs), with the runtime of the
# detection runs. The last checkpoint is the reported one: nothing is
# selected on the test split.
_base_ = ['../default_runtime.py']

cl_cosine_epochs = 200
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='Adam', lr=1e-3, betas=(0.5, 0.999), weight_decay=5e-4))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=cl_cosine_epochs,
        eta_min=1e-3 * 0.2**3 * 0.1,  # CL: lr x lr_decay_rate^3 x 0.1
        by_epoch=True,
        begin=0,
        end=cl_cosine_epochs,
        convert_to_iter_based=True)
]
# the test split is evaluated every val_interval epochs for the log only
train_cfg = dict(type='EpochBasedTrainLoop')
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(max_keep_ckpts=1, save_last=True))
