# Limited annotations (paper Table 3) on AFLW_M with SCE-MAE DeiT-S:
# sce_mae_deit_s_aflw_m.py with the references' few-shot learning rate
# (1e-2) and DVE's TPS augmentation (already in the training pipeline).
# Run all subset sizes and seeds with one command:
#   python tools/limited_annotations.py \
#       configs/detection/sce_mae_deit_s_aflw_m_limited.py \
#       --sizes 1 5 10 20 50 100 --seeds 0 1 2 \
#       --cfg-options model.init_cfg.checkpoint=STAGE2.pth
_base_ = ['./sce_mae_deit_s_aflw_m.py']

optim_wrapper = dict(optimizer=dict(lr=1e-2))
