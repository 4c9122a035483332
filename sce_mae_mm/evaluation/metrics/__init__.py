# Registered components are imported here.
from .matching_metric import MAFLMatchingMetric
from .nme_percent import NMEPercent
from .silhouette_metric import LandmarkSilhouetteMetric

__all__ = ['LandmarkSilhouetteMetric', 'MAFLMatchingMetric', 'NMEPercent']
