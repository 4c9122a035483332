from .matching_visualization_hook import MatchingVisualizationHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .rng_state_hook import (RNGStateHook, capture_rng_state,
                             restore_rng_state, seed_rng)
from .work_dir_lock_hook import WorkDirLockHook

__all__ = [
    'MatchingVisualizationHook', 'NonFiniteLossError', 'NonFiniteLossHook',
    'RNGStateHook', 'WorkDirLockHook', 'capture_rng_state',
    'restore_rng_state', 'seed_rng'
]
