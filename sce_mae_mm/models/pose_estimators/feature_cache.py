"""Frozen-feature caching for detection heads (DVE's ``cache_descriptors``).

With a frozen backbone and projector and an un-augmented training pipeline
(the full-annotation protocol of Table 2), the features of a training face
are the same in every epoch. :class:`CachedTopdownPoseEstimator` computes
them once (the first epoch) and reuses them afterwards, so later epochs only
run the head. Features are keyed by the sample's ``img_path`` and ``id`` and
kept on the CPU (default float16). Memory per face: C x h x w x 2 bytes,
e.g. 512 x 48 x 48 (DeiT-S, stride 2) = 2.4 MB, so 45 GB for MAFL's 19,000
faces: ``max_cache_gb`` caps it, and the faces beyond the cap are computed
live every time (logged once).

Never cache with a random augmentation in the training pipeline (TPS warp,
flips): the cached features would freeze one draw. A training sample that
carries ``tps_params`` or ``flip=True`` in its meta information stops the run.
"""
from typing import Dict, Hashable, List, Optional, Tuple

import torch
from mmengine.logging import MMLogger
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from torch import Tensor

_WHERE = 'CachedTopdownPoseEstimator'


@MODELS.register_module()
class CachedTopdownPoseEstimator(TopdownPoseEstimator):
    """mmpose's ``TopdownPoseEstimator`` with a training-feature cache.

    Args:
        cache_features (bool): cache the (frozen) backbone + neck features
            of training samples. Default True.
        cache_dtype (str): storage dtype of the cache ('float16' or
            'float32').
        max_cache_gb (float): largest cache size in GB.
        **kwargs: ``TopdownPoseEstimator`` arguments.
    """

    def __init__(self,
                 cache_features: bool = True,
                 cache_dtype: str = 'float16',
                 max_cache_gb: float = 32.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if cache_dtype not in ('float16', 'float32'):
            raise ValueError(f'{_WHERE}: cache_dtype must be float16 or '
                             f'float32, got {cache_dtype!r}')
        self.cache_features = cache_features
        self.cache_dtype = getattr(torch, cache_dtype)
        self.max_cache_bytes = int(max_cache_gb * 1024**3)
        self._cache: Dict[Hashable, Tuple[Tensor, ...]] = {}
        self._cache_bytes = 0
        self._cache_full_logged = False
        self.cache_hits = 0
        self.cache_misses = 0

    def _check_trainable(self) -> None:
        for name in ('backbone', 'neck'):
            module = getattr(self, name, None)
            if module is not None and any(p.requires_grad
                                          for p in module.parameters()):
                raise RuntimeError(
                    f'{_WHERE}: cache_features=True needs a frozen {name} '
                    '(its features would change while training)')

    @staticmethod
    def _key(sample) -> Hashable:
        meta = sample.metainfo
        if meta.get('tps_params') is not None or meta.get('flip', False):
            raise RuntimeError(
                f'{_WHERE}: training sample {meta.get("img_path")} is '
                'randomly augmented (tps_params / flip); set '
                'model.cache_features=False for augmented pipelines')
        if 'img_path' not in meta and 'id' not in meta:
            raise KeyError(f'{_WHERE}: the data samples need img_path or id '
                           'in PackPoseInputs meta_keys to be cached')
        return meta.get('img_path'), meta.get('id')

    def _store(self, key: Hashable, feats: Tuple[Tensor, ...]) -> None:
        item = tuple(f.detach().to('cpu', self.cache_dtype) for f in feats)
        size = sum(f.numel() * f.element_size() for f in item)
        if self._cache_bytes + size > self.max_cache_bytes:
            if not self._cache_full_logged:
                MMLogger.get_current_instance().warning(
                    f'{_WHERE}: feature cache full at {len(self._cache)} '
                    f'faces ({self._cache_bytes / 1024**3:.1f} GB, '
                    'max_cache_gb); the remaining faces are computed live')
                self._cache_full_logged = True
            return
        self._cache[key] = item
        self._cache_bytes += size

    def cached_feat(self, inputs: Tensor,
                    data_samples: List) -> Tuple[Tensor, ...]:
        """Training features of a batch, from the cache where possible.

        Args:
            inputs (Tensor): (B, 3, H, W) normalised images.
            data_samples (list): their ``PoseDataSample``s.

        Returns:
            tuple[Tensor]: what ``extract_feat`` returns, e.g.
            ``((B, C, h, w),)``.
        """
        keys = [self._key(s) for s in data_samples]
        if all(k in self._cache for k in keys):
            self.cache_hits += len(keys)
            levels = zip(*(self._cache[k] for k in keys))
            # outside autocast: stacking the float16 cache under CPU bf16
            # autocast is refused by torch
            with torch.autocast(inputs.device.type, enabled=False):
                return tuple(
                    torch.stack(level).to(inputs.device, inputs.dtype)
                    for level in levels)
        self.cache_misses += len(keys)
        with torch.no_grad():
            feats = self.extract_feat(inputs)
        for i, key in enumerate(keys):
            if key not in self._cache:
                self._store(key, tuple(f[i] for f in feats))
        return feats

    def loss(self, inputs: Tensor, data_samples: List) -> dict:
        """Head loss on cached (or freshly computed) frozen features."""
        if not self.cache_features:
            return super().loss(inputs, data_samples)
        self._check_trainable()
        feats = self.cached_feat(inputs, data_samples)
        losses = dict()
        if self.with_head:
            losses.update(
                self.head.loss(feats, data_samples, train_cfg=self.train_cfg))
        return losses

    def clear_cache(self) -> None:
        """Drop every cached feature."""
        self._cache.clear()
        self._cache_bytes = 0

    @property
    def cache_size(self) -> int:
        """Number of cached faces."""
        return len(self._cache)

    def cache_info(self) -> Dict[str, Optional[float]]:
        """Faces, GB, hits and misses of the cache."""
        return dict(faces=len(self._cache),
                    gb=self._cache_bytes / 1024**3,
                    hits=self.cache_hits,
                    misses=self.cache_misses)
