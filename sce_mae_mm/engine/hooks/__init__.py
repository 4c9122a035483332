from .curve_checkpoint_hook import CurveCheckpointHook
from .matching_visualization_hook import MatchingVisualizationHook
from .mean_shape_baseline_hook import MeanShapeBaselineHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .rng_state_hook import (RNGStateHook, capture_rng_state,
                             restore_rng_state, seed_rng)
from .work_dir_lock_hook import WorkDirLockHook

__all__ = [
    'CurveCheckpointHook',
    'MatchingVisualizationHook', 'MeanShapeBaselineHook',
    'NonFiniteLossError', 'NonFiniteLossHook', 'RNGStateHook',
    'WorkDirLockHook', 'capture_rng_state', 'restore_rng_state', 'seed_rng'
]
