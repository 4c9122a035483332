from . import figures  # noqa: F401
from .local_visualizer import FacePoseVisualizer
from .matching_pair import draw_matching_pair, pair_crops

__all__ = ['FacePoseVisualizer', 'draw_matching_pair', 'pair_crops']
