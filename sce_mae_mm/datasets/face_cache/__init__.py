"""The face cache: the training pipeline's deterministic head (decode, DVE
crop) run once and stored as one uint8 array (issue 27, docs/datasets.md).

The builder (``face_cache.builder.build_face_cache``, behind
``tools/build_face_cache.py``) is imported from its module.
"""
from .batch import FaceBatch, FaceSamples, face_batch_collate
from .dataset import DEFAULT_HEAD, CachedFaceDataset
from .head import HeadMeta, PipelineHeadError, split_pipeline
from .manifest import FaceCacheError, check_npy, manifest_path, read_manifest

__all__ = [
    'CachedFaceDataset', 'DEFAULT_HEAD', 'FaceBatch', 'FaceCacheError',
    'FaceSamples', 'face_batch_collate',
    'PipelineHeadError', 'HeadMeta', 'check_npy', 'manifest_path',
    'read_manifest', 'split_pipeline'
]
