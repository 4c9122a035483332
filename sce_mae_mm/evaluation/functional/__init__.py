# Registered components are imported here.
from .matching import (grid_strides, match_landmarks, sample_descriptors,
                       upsample_features)
from .matching_breakdown import (far_flags, landmark_errors,
                                 matching_breakdown, mirror_flags,
                                 within_rates)
from .matching_rules import DVE_RULE, MatchingRule, resolve_matching_rule
from .silhouette import pairwise_distances, silhouette_score, tsne

__all__ = [
    'DVE_RULE', 'MatchingRule', 'far_flags', 'grid_strides',
    'landmark_errors', 'match_landmarks', 'matching_breakdown',
    'mirror_flags', 'pairwise_distances', 'resolve_matching_rule',
    'sample_descriptors', 'silhouette_score', 'tsne', 'upsample_features',
    'within_rates'
]
