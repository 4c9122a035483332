# Landmark detection (DeiT-S, AFLW_R) on the synthetic set, CPU-sized
# (_base_/schedules/quickstart_heads.py); after sce_mae_deit_s_stage{1,2}_
# synthetic.py:
#   python tools/train.py configs/synthetic/sce_mae_deit_s_aflw_r_synthetic.py
#   python tools/test.py configs/synthetic/sce_mae_deit_s_aflw_r_synthetic.py \
#       work_dirs/sce_mae_deit_s_aflw_r_synthetic/epoch_6.pth
_base_ = [
    '../_base_/datasets/aflw_r.py', '../_base_/schedules/quickstart_heads.py'
]

train_dataloader = val_dataloader = test_dataloader = dict(
    _base_.cpu_loader, dataset=_base_.synthetic.aflw_r)  # noqa: F821
