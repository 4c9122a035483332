from .inference import (extract_descriptors, face_crop, init_detector,
                        init_matcher, match_points, predict_landmarks)

__all__ = [
    'init_matcher', 'init_detector', 'face_crop', 'extract_descriptors',
    'match_points', 'predict_landmarks'
]
