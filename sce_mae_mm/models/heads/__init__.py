# Registered components are imported here.
from .intermediate_heatmap_head import (IntermediateHeatmapHead, heatmap_grid,
                                        soft_argmax)

__all__ = ['IntermediateHeatmapHead', 'heatmap_grid', 'soft_argmax']
