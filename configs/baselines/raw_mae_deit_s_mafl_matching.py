# Matching with the raw last-layer MAE features (paper Table 4, first row:
# 0.55 / 3.51 with DeiT-B): the stage-1 encoder alone, no projector. Any
# stage-2 checkpoint holds that frozen encoder under `backbone.`:
#   python tools/test.py configs/baselines/raw_mae_deit_s_mafl_matching.py \
#       work_dirs/sce_mae_deit_s_stage2/epoch_10.pth
# or a stage-1 checkpoint (the runner then reports the MAE keys it cannot
# place; the encoder is loaded by the backbone itself):
#   python tools/test.py configs/baselines/raw_mae_deit_s_mafl_matching.py \
#       STAGE1.pth --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = ['../matching/sce_mae_deit_s_mafl_matching.py']

model = dict(descriptor='backbone')
