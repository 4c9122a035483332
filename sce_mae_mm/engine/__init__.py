from .amp import (CPUBf16OptimWrapper, apply_amp, bf16_autocast,
                  bf16_matmul_speedup, cpu_bf16_flags, decide_bf16,
                  install_fast_attention, install_fp32_losses,
                  prepare_cpu_bf16)
from .attention_qkv import attention_forward, install_qkv_unbind
from .hooks import (CurveCheckpointHook, MatchingVisualizationHook,
                    MeanShapeBaselineHook, NonFiniteLossError,
                    NonFiniteLossHook, RNGStateHook, WorkDirLockHook)
from .loops import ResumableEpochBasedTrainLoop
from .pretrained_init import FittingPretrainedInit
from .runner import SCEMAERunner
from .tools_utils import (add_runtime_args, build_tool_runner, cpu_budget,
                          enable_visualization, flush_denormals,
                          limit_cpu_threads, load_tool_config, parse_tool_args,
                          setup_launcher, teardown_launcher)
from .work_dir_lock import WorkDirLockedError, lock_work_dir, unlock_work_dir

__all__ = [
    'CPUBf16OptimWrapper', 'apply_amp', 'bf16_autocast',
    'bf16_matmul_speedup', 'cpu_bf16_flags', 'decide_bf16',
    'install_fast_attention', 'install_fp32_losses', 'prepare_cpu_bf16',
    'CurveCheckpointHook',
    'MatchingVisualizationHook', 'MeanShapeBaselineHook',
    'NonFiniteLossError', 'NonFiniteLossHook', 'RNGStateHook',
    'WorkDirLockHook', 'ResumableEpochBasedTrainLoop',
    'attention_forward', 'install_qkv_unbind',
    'FittingPretrainedInit', 'SCEMAERunner', 'WorkDirLockedError',
    'add_runtime_args', 'build_tool_runner', 'cpu_budget',
    'enable_visualization', 'flush_denormals', 'limit_cpu_threads',
    'load_tool_config', 'parse_tool_args',
    'lock_work_dir', 'setup_launcher', 'teardown_launcher', 'unlock_work_dir'
]
