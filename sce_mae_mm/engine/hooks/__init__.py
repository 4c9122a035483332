from .matching_visualization_hook import MatchingVisualizationHook

__all__ = ['MatchingVisualizationHook']
