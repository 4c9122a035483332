# Stage 1 (DeiT-T MAE), a candidate quick-start recipe (issue 26): twice the
# quick start's distinct faces at the same images seen. NOT adopted: on
# synthetic seed 100 it left different identity at 1.75x its baseline
# (1.74x with stage 2 at 2 epochs), no better than the quick start's
# recipe (docs/benchmark.md, "Two more quick-start arms"); kept as the
# record of those arms.
# 3,000 synthetic faces and 6,880 more in the CelebA training partition
# (--extra-celeba-train 6880: 8,076 training faces), 4 epochs of 8,064
# images (2,016 iterations at batch 16, 32,256 images seen, as the 8
# epochs of 4,032 of sce_mae_deit_t_stage1_synthetic.py); stage 2 keeps
# its 504 steps (1 epoch of 8,064 faces instead of 2 of 4,032).
# Why, written before it ran: the long run (seed 0, 11,196 training faces,
# 111,840 images) put SCE-MAE different identity below its baseline (5.58
# against 7.69 px) where the previous long run (3,184 faces, 114,624
# images) stayed above (9.46), and the study's selection (seed 100) found
# distinct faces the largest lever at equal CPU time. Selected against the
# 4,036-face recipe on synthetic seed 100 (quick-start size), then
# reported on seeds 0 and 1.
# A second arm on the same stage 1 keeps the stage-2 config's 2 epochs
# (1,008 steps). Why, written before it ran: the long run's first curve
# point (seed 0: 11,184 stage-1 images, then 1,400 stage-2 steps on 11,196
# faces) reached 11.44 px different identity where the quick start
# (32,256 stage-1 images, 504 stage-2 steps on 4,036 faces) reached 15.56:
# stage 2's steps and faces may matter more than stage 1's images.
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

max_epochs = 4
# the 4,036-face recipe's schedule in iterations: 252 warm-up iterations
# (its first epoch), then a cosine to iteration 2,016
warmup_iters, total_iters = 252, 2016
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=False,
        begin=0,
        end=warmup_iters),
    dict(
        type='CosineAnnealingLR',
        T_max=total_iters - warmup_iters,
        eta_min=0.0,
        by_epoch=False,
        begin=warmup_iters,
        end=total_iters),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    checkpoint=dict(interval=1, curve_epochs=[1, 2, 3, 4],
                    images_per_epoch=8064))
