from .hooks import MatchingVisualizationHook
from .tools_utils import (add_runtime_args, enable_visualization,
                          load_tool_config, setup_launcher, teardown_launcher)

__all__ = [
    'MatchingVisualizationHook', 'add_runtime_args', 'enable_visualization',
    'load_tool_config', 'setup_launcher', 'teardown_launcher'
]
