# MAFL landmark matching with a SCE-MAE DeiT-S stage-2 model (paper Table 1:
# 0.31 / 1.69 px same / different identity). The protocol, its options and
# the scoring rules: docs/protocols.md, "Matching".
#   python tools/test.py configs/matching/sce_mae_deit_s_mafl_matching.py \
#       work_dirs/sce_mae_deit_s_stage2/epoch_10.pth
# --show-dir DIR draws the pairs (MatchingVisualizationHook).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/mafl_matching.py',
    '../_base_/models/matcher_deit_s.py'
]

default_hooks = dict(visualization=dict(type='MatchingVisualizationHook'))
# the matching error with its same-location baseline, and the silhouette
# of the test landmarks' descriptors (paper Fig. 5, over 3 t-SNE runs)
test_evaluator = [
    dict(
        type='MAFLMatchingMetric',
        image_size=96,
        frame_size=70,
        baseline=True,
        report_dve=_base_.report_dve,  # noqa: F821
        breakdown=True),
    dict(type='LandmarkSilhouetteMetric', tsne_runs=3),
]
test_cfg = dict()
