# SCE-MAE stage 1 (DeiT-S) from the face cache: sce_mae_deit_t_stage1_cached.py
# at DeiT-S (the cache, its build command and the batched flip are the same).
_base_ = ['./sce_mae_deit_t_stage1_cached.py']

widths = _base_.deit.s  # noqa: F821
model = widths.mae
