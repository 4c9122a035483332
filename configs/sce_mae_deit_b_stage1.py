# SCE-MAE stage 1: MAE pretraining of DeiT-B (patch 8, 96 px) on CelebA.
# Everything else (paper settings, lr scaling rule) as in the DeiT-T config.
_base_ = ['./sce_mae_deit_t_stage1.py']

arch = 'deit-b'
embed_dims = 768
model = dict(
    backbone=dict(arch=arch),
    neck=dict(embed_dim=embed_dims))
