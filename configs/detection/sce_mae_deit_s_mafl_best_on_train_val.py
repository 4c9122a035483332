# sce_mae_deit_s_mafl.py with a best-checkpoint option that never looks at
# the test split: 5 % of the MAFL training images (seeded) are held out as
# the validation set, the head trains on the other 95 %, and save_best
# keeps the checkpoint with the lowest NME on the held-out images. The
# paper protocol (the default config) reports the last epoch instead.
#   python tools/train.py \
#       configs/detection/sce_mae_deit_s_mafl_best_on_train_val.py \
#       --cfg-options model.init_cfg.checkpoint=STAGE2.pth
#   python tools/test.py \
#       configs/detection/sce_mae_deit_s_mafl_best_on_train_val.py \
#       work_dirs/sce_mae_deit_s_mafl_best_on_train_val/best_NME_*.pth
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
        dataset=dict(train_set, pipeline=_base_.det_test_pipeline),  # noqa
        **held_out))
train_cfg = dict(val_interval=5)
default_hooks = dict(
    checkpoint=dict(interval=10, save_best='NME', rule='less'))
