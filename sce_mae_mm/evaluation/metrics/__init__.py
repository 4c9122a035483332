# Registered components are imported here.
from .input_frame_nme import (InputFrameNME, mean_shape_from_dataset,
                              nme_percent, to_input_frame)
from .matching_metric import MAFLMatchingMetric
from .nme_percent import NMEPercent
from .silhouette_metric import LandmarkSilhouetteMetric

__all__ = [
    'InputFrameNME', 'LandmarkSilhouetteMetric', 'MAFLMatchingMetric',
    'NMEPercent', 'mean_shape_from_dataset', 'nme_percent', 'to_input_frame'
]
