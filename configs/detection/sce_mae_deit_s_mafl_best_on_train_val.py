# sce_mae_deit_s_mafl.py with a best-checkpoint option that never looks at
# the test split: 5 % of the MAFL training images (seeded) are held out as
# the validation set, the head trains on the rest, and save_best keeps the
# checkpoint of lowest held-out NME (the paper reports the last epoch).
#   python tools/train.py \
#       configs/detection/sce_mae_deit_s_mafl_best_on_train_val.py \
#       --cfg-options model.init_cfg.checkpoint=STAGE2.pth
_base_ = ['./sce_mae_deit_s_mafl.py']

held_out = dict(val_fraction=0.05, seed=0)
train_set = _base_.train_dataloader.dataset  # noqa: F821

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='HeldOutSplit',
        part='train',
        dataset=train_set,
        **held_out))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='HeldOutSplit',
        part='val',
        dataset=dict(train_set, pipeline=_base_.val_pipeline),  # noqa
        **held_out))
train_cfg = dict(val_interval=5)
default_hooks = dict(
    checkpoint=dict(interval=10, save_best='NME', rule='less'))
