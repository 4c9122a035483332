# Composition: an unmodified mmpose head on our frozen SCE-MAE features.
# mmpose's IntegralRegressionHead (soft-argmax of one heatmap per landmark)
# reads the 48 x 48 backbone + projector map of sce_mae_deit_s_aflw_m.py
# through a 1x1 conv, with the same codec, pipelines, NME and tools:
#   python tools/train.py configs/detection/sce_mae_deit_s_aflw_m_integral.py \
#       --cfg-options model.init_cfg.checkpoint=STAGE2.pth
_base_ = ['./sce_mae_deit_s_aflw_m.py']

model = dict(
    head=dict(
        _delete_=True,
        type='IntegralRegressionHead',
        in_channels=_base_.widths.feature_dims,  # noqa: F821
        in_featuremap_size=(48, 48),  # 96 / stride
        num_joints=5,
        deconv_out_channels=None,
        final_layer=dict(kernel_size=1),
        loss=dict(type='SmoothL1Loss', use_target_weight=True),
        decoder=_base_.det_codec))  # noqa: F821
