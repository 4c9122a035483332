# Stage 1 (DeiT-T MAE), arm `faces11k_w252` of the quick-start selection,
# NOT adopted: the quick start's recipe (sce_mae_deit_t_stage1_synthetic.py,
# 11,196 faces, 2,097 iterations) with the earlier recipe's short warm-up
# (252 iterations) and the cosine over the rest. Why it ran and what it
# gave: docs/protocols.md, "The quick start's configs".
_base_ = ['./sce_mae_deit_t_stage1_synthetic.py']

warmup_iters = 252
total_iters = 3 * 699
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', T_max=total_iters - warmup_iters,
         eta_min=0.0, by_epoch=False, begin=warmup_iters, end=total_iters),
]
