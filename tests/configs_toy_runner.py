# A tiny Runner config for the foundation tests (toy model, 2 iterations).
_base_ = ['../configs/_base_/default_runtime.py']
custom_imports = dict(
    imports=['sce_mae_mm', 'toy_components'], allow_failed_imports=False)
model = dict(type='ToyRegressor')
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ToyDataset'))
train_cfg = dict(by_epoch=False, max_iters=2, val_interval=100)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))
param_scheduler = []
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False))
log_processor = dict(by_epoch=False)
test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ToyDataset'))
test_cfg = dict()
test_evaluator = dict(type='ToyMSE')
