from .hooks import MatchingVisualizationHook, MeanShapeBaselineHook
from .tools_utils import (add_runtime_args, enable_visualization,
                          load_tool_config, setup_launcher, teardown_launcher)

__all__ = [
    'MatchingVisualizationHook', 'MeanShapeBaselineHook', 'add_runtime_args',
    'enable_visualization', 'load_tool_config', 'setup_launcher',
    'teardown_launcher'
]
