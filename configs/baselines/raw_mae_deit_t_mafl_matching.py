# Matching with the raw last-layer MAE features, DeiT-T. See
# raw_mae_deit_s_mafl_matching.py.
_base_ = ['../matching/sce_mae_deit_t_mafl_matching.py']

model = dict(descriptor='backbone')
