# Variant of the CL baseline: CL's objective with SCE-MAE's projector
# and schedule,
# on a frozen stage-1 DeiT-B (docs/protocols.md, "The supplementary's second
# stages"):
#   python tools/train.py configs/baselines/cl_projector_deit_b_stage2.py \
#       --cfg-options model.backbone.checkpoint=STAGE1.pth
_base_ = [
    '../sce_mae_deit_b_stage2.py', '../_base_/models/stage2_baselines.py'
]

model = _base_.cl_projector  # noqa: F821
