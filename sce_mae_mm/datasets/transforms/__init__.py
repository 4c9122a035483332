# Registered components are imported here.
from .dve_crop import (DVEFaceCrop, apply_affine, crop_center_scale, dve_crop,
                       dve_crop_matrix)
from .load_image import ImageReadError, LoadImage
from .matching import MatchingPairWarp, PackMatchingInputs
from .random_tps_warp import RandomTPSWarp
from .tps_batch import DVE_TRAINING_WARP, random_tps_grid, tps_warp_batch
from .tps_warp import (identity_tps_params, sample_tps_params, tps_apply,
                       tps_invert_points, tps_sampling_grid, tps_sampling_map,
                       tps_warp_image, tps_warp_keypoints)

__all__ = [
    'DVEFaceCrop', 'dve_crop', 'dve_crop_matrix', 'crop_center_scale',
    'apply_affine', 'RandomTPSWarp', 'sample_tps_params',
    'identity_tps_params', 'tps_apply', 'tps_invert_points',
    'tps_sampling_grid', 'tps_sampling_map', 'tps_warp_image',
    'tps_warp_keypoints', 'MatchingPairWarp', 'PackMatchingInputs',
    'LoadImage', 'ImageReadError', 'DVE_TRAINING_WARP', 'random_tps_grid',
    'tps_warp_batch'
]
