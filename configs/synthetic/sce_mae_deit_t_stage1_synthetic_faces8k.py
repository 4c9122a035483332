# Stage 1 (DeiT-T MAE), arm `faces8k` of the quick-start selection, NOT
# adopted (kept as the record of that arm): 8,076 training faces
# (--extra-celeba-train 6880), 4 epochs of 8,064 images with the earlier
# recipe's schedule in iterations (252 warm-up iterations, a cosine to
# iteration 2,016). Why it ran and what it gave: docs/protocols.md, "The
# quick start's configs".
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

max_epochs = 4
warmup_iters, total_iters = 252, 2016
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', T_max=total_iters - warmup_iters,
         eta_min=0.0, by_epoch=False, begin=warmup_iters, end=total_iters),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    checkpoint=dict(interval=1, curve_epochs=[1, 2, 3, 4],
                    images_per_epoch=8064))
