# Stage 1 (DeiT-T MAE) for the quick start's reference run
# (tools/quickstart.py --reference: 25,000 synthetic faces, 9,996 of them
# in the CelebA training partition): 31 epochs of 9,984 images, each face
# seen 31 times; learning-curve checkpoints at 7 epochs about evenly spaced
# in log(images seen), a resume point every epoch.
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

max_epochs = 31
param_scheduler = [
    _base_.param_scheduler[0],  # noqa: F821  (the one-epoch warm-up)
    dict(_base_.param_scheduler[1], T_max=max_epochs - 1,  # noqa: F821
         end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    checkpoint=dict(
        curve_epochs=[1, 2, 3, 5, 10, 18, 31], images_per_epoch=9984))
