# Stage-1 arm `faces11k_w252` of the quick-start selection (issue 26,
# synthetic seed 100; not adopted: 11.45 px different identity against
# `faces11k`'s 6.86, docs/benchmark.md): `faces11k`, the quick start's
# recipe (sce_mae_deit_t_stage1_synthetic.py: same 11,196 faces, 2,097
# iterations), with the earlier recipe's short warm-up (252 iterations) and
# the cosine over the rest.
#
# Why, written before it ran: `faces11k` changes two things at once against
# the earlier quick start, the faces (11,196 against 4,036) and the warm-up
# (699 iterations against 252); faces8k's first epoch (8,076 faces, 252-step
# warm-up) stayed at 17.25 px, so this arm says which of the two carries
# the gain.
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

warmup_iters = 252
total_iters = 3 * 699
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
