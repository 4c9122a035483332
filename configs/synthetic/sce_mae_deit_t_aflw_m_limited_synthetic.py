# Limited annotations (paper Table 3) on the synthetic AFLW_M set, DeiT-T:
# the few-shot learning rate (1e-2) of
# configs/detection/sce_mae_deit_s_aflw_m_limited.py on the synthetic
# detection config. A small run on a CPU:
#   python tools/limited_annotations.py \
#       configs/synthetic/sce_mae_deit_t_aflw_m_limited_synthetic.py \
#       --sizes 1 5 10 20 --seeds 0 1 --epochs 3
_base_ = ['./sce_mae_deit_t_aflw_m_synthetic.py']

optim_wrapper = dict(optimizer=dict(lr=1e-2))
