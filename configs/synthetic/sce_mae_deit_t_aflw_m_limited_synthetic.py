# Limited annotations (paper Table 3) on the synthetic AFLW_M set, DeiT-T.
# A small run on a CPU:
#   python tools/limited_annotations.py \
#       configs/synthetic/sce_mae_deit_t_aflw_m_limited_synthetic.py \
#       --sizes 1 5 20 50 --seeds 0 1 2 --epochs 10 --samples-per-epoch 64
# Learning rate 1e-3, not the references' 1e-2
# (configs/detection/sce_mae_deit_s_aflw_m_limited.py): on the synthetic
# features lr 1e-2 made the few-shot head unstable (NME above the untrained
# head's), lr 1e-3 did not.
_base_ = ['./sce_mae_deit_t_aflw_m_synthetic.py']

optim_wrapper = dict(optimizer=dict(lr=1e-3))
