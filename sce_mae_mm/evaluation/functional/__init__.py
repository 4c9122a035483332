# Registered components are imported here.
from .matching import match_landmarks, sample_descriptors, upsample_features

__all__ = ['match_landmarks', 'sample_descriptors', 'upsample_features']
