from .matching_visualization_hook import MatchingVisualizationHook
from .mean_shape_baseline_hook import MeanShapeBaselineHook

__all__ = ['MatchingVisualizationHook', 'MeanShapeBaselineHook']
