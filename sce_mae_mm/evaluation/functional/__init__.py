# Registered components are imported here.
from .matching import match_landmarks, sample_descriptors, upsample_features
from .silhouette import pairwise_distances, silhouette_score, tsne

__all__ = [
    'match_landmarks', 'pairwise_distances', 'sample_descriptors',
    'silhouette_score', 'tsne', 'upsample_features'
]
