# Matching with the raw last-layer MAE features (DeiT-S) on the synthetic
# MAFL set: the "raw MAE" row of the quick start (paper Table 4's first
# row). Reads the backbone of a stage-2 checkpoint (frozen in stage 2, so
# identical to the stage-1 encoder); see the SCE-MAE file beside it.
_base_ = ['./sce_mae_deit_s_mafl_matching_synthetic.py']

model = dict(descriptor='backbone')
