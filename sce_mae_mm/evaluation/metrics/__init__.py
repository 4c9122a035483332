# Registered components are imported here.
from .matching_metric import MAFLMatchingMetric
from .nme_percent import NMEPercent

__all__ = ['MAFLMatchingMetric', 'NMEPercent']
