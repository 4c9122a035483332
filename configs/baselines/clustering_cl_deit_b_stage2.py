# "Clustering without LCR" (paper Table 4: 0.30 / 4.04 with DeiT-B), DeiT-B,
# 256-d projector. See clustering_cl_deit_s_stage2.py.
_base_ = ['../sce_mae_deit_b_stage2.py']

model = dict(
    loss=dict(
        _delete_=True,
        type='CLLoss',
        scale=7.,
        power=0.5,
        token_stride=8.,
        loss_weight=1.))
