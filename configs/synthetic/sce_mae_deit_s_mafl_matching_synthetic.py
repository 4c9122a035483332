# MAFL matching (DeiT-S) on the synthetic CelebA/MAFL set, after
# sce_mae_deit_s_stage{1,2}_synthetic.py:
#   python tools/test.py \
#       configs/synthetic/sce_mae_deit_s_mafl_matching_synthetic.py \
#       work_dirs/sce_mae_deit_s_stage2_synthetic/epoch_2.pth
_base_ = [
    '../matching/sce_mae_deit_s_mafl_matching.py',
    '../_base_/datasets/synthetic.py'
]

test_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=False,
    dataset=_base_.synthetic.celeba)  # noqa: F821
