from . import figures  # noqa: F401
from .local_visualizer import FacePoseVisualizer

__all__ = ['FacePoseVisualizer']
