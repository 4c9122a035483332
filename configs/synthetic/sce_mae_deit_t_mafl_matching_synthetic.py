# MAFL matching (DeiT-T) on the synthetic CelebA/MAFL set, after
# configs/synthetic/sce_mae_deit_t_stage{1,2}_synthetic.py:
#   python tools/test.py \
#       configs/synthetic/sce_mae_deit_t_mafl_matching_synthetic.py \
#       work_dirs/sce_mae_deit_t_stage2_synthetic/epoch_2.pth
_base_ = ['../matching/sce_mae_deit_t_mafl_matching.py']

test_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(data_root='data/synthetic/celeba', check_size=False))
