# ../clustering_cl_deit_t_stage2.py on the synthetic CelebA set (data and
# schedule of configs/synthetic/sce_mae_deit_t_stage2_synthetic.py):
#   python tools/train.py \
#       configs/baselines/synthetic/clustering_cl_deit_t_stage2_synthetic.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = ['../../synthetic/sce_mae_deit_t_stage2_synthetic.py']

model = dict(
    loss=dict(
        _delete_=True,
        type='CLLoss',
        scale=7.,
        power=0.5,
        token_stride=8.,
        loss_weight=1.))
