# LEAD's second stage (our implementation of its description),
# on a frozen stage-1 DeiT-T (docs/protocols.md, "The supplementary's second
# stages"):
#   python tools/train.py configs/baselines/lead_deit_t_stage2.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = [
    '../sce_mae_deit_t_stage2.py', '../_base_/models/stage2_baselines.py'
]

model = _base_.lead  # noqa: F821
