from .tools_utils import (enable_visualization, setup_launcher,
                          teardown_launcher)

__all__ = ['enable_visualization', 'setup_launcher', 'teardown_launcher']
