# Registered components are imported here.
from .aflw import AFLWMDataset, AFLWRDataset
from .celeba import CelebADataset, MAFLDataset
from .face300w import Face300WDVEDataset, dve_300w_window
from .face_cache import CachedFaceDataset, FaceCacheError
from .face_dataset import BaseFaceDataset, DatasetFormatError
from .held_out_split import HeldOutSplit, held_out_indices
from .mafl_matching import MAFLMatchingDataset
from .metainfo import FACE5_METAINFO, face5_metainfo, face300w_metainfo
from .transforms import *  # noqa: F401,F403

__all__ = [
    'BaseFaceDataset', 'DatasetFormatError', 'CelebADataset', 'MAFLDataset',
    'AFLWMDataset', 'AFLWRDataset', 'Face300WDVEDataset',
    'MAFLMatchingDataset', 'CachedFaceDataset', 'FaceCacheError',
    'HeldOutSplit', 'held_out_indices',
    'dve_300w_window', 'FACE5_METAINFO',
    'face5_metainfo', 'face300w_metainfo'
]
