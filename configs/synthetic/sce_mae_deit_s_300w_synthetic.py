# Landmark detection (DeiT-S, 300W) on the synthetic set, CPU-sized
# (_base_/schedules/quickstart_heads.py); after sce_mae_deit_s_stage{1,2}_
# synthetic.py:
#   python tools/train.py configs/synthetic/sce_mae_deit_s_300w_synthetic.py
#   python tools/test.py configs/synthetic/sce_mae_deit_s_300w_synthetic.py \
#       work_dirs/sce_mae_deit_s_300w_synthetic/epoch_6.pth
_base_ = [
    '../_base_/datasets/300w.py', '../_base_/schedules/quickstart_heads.py'
]

model = dict(head=dict(num_keypoints=68))
train_dataloader = val_dataloader = test_dataloader = dict(
    _base_.cpu_loader, dataset=_base_.synthetic.face300w)  # noqa: F821
