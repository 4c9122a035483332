"""Landmark matching with frozen dense descriptors (SPEC §4, paper Table 1).

:class:`LandmarkMatcher` runs the frozen backbone (cover-and-stride at
``stride``) and optionally the CARB neck on every image of a batch of MAFL
pairs (source, same-identity target, different-identity target), matches the
source landmarks into both targets with :func:`match_landmarks` and writes the
predictions into the data samples for :class:`MAFLMatchingMetric`.
The scoring rule is ours by default (per-pixel argmax of cosine similarity)
or DVE's (``protocol='dve'``: grid argmax, raw dot product; see
``sce_mae_mm/evaluation/functional/matching_rules.py``); ``report_dve=True``
also writes DVE's rule's predictions on the same descriptors.
``python tools/test.py <matching config> <stage-2 checkpoint>`` loads the
stage-2 ``backbone.``/``neck.`` weights directly (same module names).
"""
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmengine.model import BaseModel
from mmpose.registry import MODELS
from torch import Tensor

from ...dtypes import as_float64_array, at_least_float32
from ...evaluation.functional.matching import (match_landmarks,
                                               sample_descriptors)
from ...evaluation.functional.matching_rules import (DVE_RULE,
                                                     resolve_matching_rule)
from ..utils.freeze import freeze_module
from .backbone_cache import BackboneCache

_WHERE = 'LandmarkMatcher'
DESCRIPTORS = ('projector', 'backbone', 'concat')
GROUPS = ('same', 'diff')


@MODELS.register_module()
class LandmarkMatcher(BaseModel):
    """Dense descriptors of a frozen model + landmark matching.

    Args:
        backbone (dict): backbone config (``SCEViT``); frozen here.
        neck (dict, optional): neck config (``CARB``); frozen here. Needed
            for ``descriptor='projector'`` or ``'concat'``.
        descriptor (str): ``'projector'`` (neck output), ``'backbone'``
            (last-layer map) or ``'concat'`` (backbone then projector
            channels).
        stride (int, optional): cover-and-stride stride set on the backbone
            (``backbone.stride``); None keeps the backbone's own.
        image_size (tuple[int, int], optional): (H, W) the keypoints live in;
            default the samples' ``input_size`` (W, H) metainfo, else the
            input size.
        chunk_size (int): images matched at once (memory bound).
        protocol (str, optional): scoring-rule preset, None / ``'default'``
            (pixel argmax, cosine, source resampled once) or ``'dve'``
            (grid argmax, dot product, twice); see :func:`match_landmarks`.
        argmax (str, optional): ``'pixel'`` or ``'grid'``; None: the
            preset's.
        similarity (str, optional): ``'cosine'`` or ``'dot'``; None: the
            preset's.
        source_resample (str, optional): ``'once'`` or ``'twice'``, what
            the data pipeline must have done (``MatchingPairWarp``); None:
            the preset's. Checked against the samples' ``source_resample``
            metainfo when the pipeline records it.
        report_dve (bool): also write ``pred_{g}_dve_keypoints``, DVE's
            rule (grid argmax, dot product) on the same descriptors, for
            ``MAFLMatchingMetric(report_dve=True)``.
        backbone_cache (str, optional): folder of a :class:`BackboneCache`
            of the frozen backbone's outputs per image, shared by every
            evaluation of one stage 1 (raw MAE, SCE-MAE, a study's
            variants); None runs the backbone every time.
        data_preprocessor (dict, optional): default
            ``MatchingDataPreprocessor`` without normalisation; the
            configs give it the face mean / std
            (``configs/_base_/datasets/face_normalisation.py``).
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict] = None,
                 descriptor: str = 'projector',
                 stride: Optional[int] = None,
                 image_size: Optional[Tuple[int, int]] = None,
                 chunk_size: int = 8,
                 protocol: Optional[str] = None,
                 argmax: Optional[str] = None,
                 similarity: Optional[str] = None,
                 source_resample: Optional[str] = None,
                 report_dve: bool = False,
                 backbone_cache: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        rule = resolve_matching_rule(protocol, argmax, similarity,
                                     source_resample, where=_WHERE)
        if data_preprocessor is None:
            data_preprocessor = dict(type='MatchingDataPreprocessor')
        if isinstance(data_preprocessor, dict):  # mmpose scope, not root
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if descriptor not in DESCRIPTORS:
            raise ValueError(f'{_WHERE}: descriptor must be one of '
                             f'{DESCRIPTORS}, got {descriptor!r}')
        if descriptor != 'backbone' and neck is None:
            raise ValueError(f'{_WHERE}: descriptor={descriptor!r} needs a '
                             'neck (the projector)')
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.descriptor = descriptor
        if stride is not None:
            if not hasattr(self.backbone, 'stride'):
                raise TypeError(f'{_WHERE}: backbone '
                                f'{type(self.backbone).__name__} has no '
                                'stride attribute (cover-and-stride)')
            patch = getattr(self.backbone, 'patch_size', stride)
            if stride < 1 or patch % stride:
                raise ValueError(f'{_WHERE}: stride {stride} must divide '
                                 f'the patch size {patch}')
            self.backbone.stride = int(stride)
        self.image_size = image_size
        self.chunk_size = chunk_size
        self.rule = rule
        self.report_dve = bool(report_dve)
        self.backbone_cache = (None if backbone_cache is None else
                               BackboneCache(backbone_cache))
        freeze_module(self)

    def train(self, mode: bool = True) -> 'LandmarkMatcher':
        """The matcher is never trained: always eval mode."""
        return super().train(False)

    def checkpoint_parts(self) -> Tuple[str, ...]:
        """Key prefixes an evaluation checkpoint must hold: the parts the
        descriptor uses (``neck.`` only for ``'projector'``/``'concat'``),
        less a backbone that loaded its own ``checkpoint``."""
        parts = []
        if getattr(self.backbone, 'checkpoint', None) is None:
            parts.append('backbone.')
        if self.descriptor != 'backbone':
            parts.append('neck.')
        return tuple(parts)

    def init_weights(self) -> None:
        """Initialise, then freeze again."""
        super().init_weights()
        freeze_module(self)

    def backbone_outputs(self, images: Tensor) -> Tuple[Tensor, ...]:
        """The frozen backbone's outputs of (N, 3, H, W) normalised images,
        read from ``backbone_cache`` where it holds them; contiguous either
        way (a neck's kernels round by the memory layout they are given,
        and a cached map is contiguous)."""
        if self.backbone_cache is None:
            return tuple(t.contiguous() for t in self.backbone(images))
        if not self.backbone_cache.hits + self.backbone_cache.misses:
            MMLogger.get_current_instance().info(
                f'{_WHERE}: backbone outputs cached in '
                f'{self.backbone_cache.root}')
        return self.backbone_cache(self.backbone, images)

    def extract_descriptors(self, images: Tensor) -> Tensor:
        """Dense descriptors of normalised images.

        Args:
            images (Tensor): (N, 3, H, W) normalised images.

        Returns:
            Tensor: (N, D, h, w), h = 96 / stride for 96-px crops.
        """
        feats = self.backbone_outputs(images)
        last = feats[-1]
        if self.descriptor == 'backbone':
            return last
        proj = self.neck(feats)[-1]
        if getattr(self.neck, 'concat_backbone', False):
            proj = proj[:, last.shape[1]:]
        if self.descriptor == 'projector':
            return proj
        return torch.cat([last, proj], dim=1)

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Union[Tensor, list]:
        """Dispatch on ``mode``.

        Args:
            inputs (Tensor): (B, G, 3, H, W) normalised images, G = 3:
                source, same-identity target, different-identity target.
            data_samples (list, optional): samples with ``src_keypoints``.
            mode (str): ``'tensor'`` -> (B, G, D, h, w) descriptors;
                ``'predict'`` -> data samples with ``pred_same_keypoints``
                and ``pred_diff_keypoints``.
        """
        if mode == 'tensor':
            batch, groups = inputs.shape[:2]
            desc = self.extract_descriptors(inputs.flatten(0, 1))
            return desc.unflatten(0, (batch, groups))
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'loss':
            raise RuntimeError(f'{_WHERE}: nothing to train; use it with '
                               'tools/test.py')
        raise ValueError(f"{_WHERE}: mode must be 'tensor' or 'predict', "
                         f'got {mode!r}')

    def _image_size(self, inputs: Tensor, data_samples: list) -> Tuple[int,
                                                                       int]:
        if self.image_size is not None:
            return tuple(self.image_size)
        size = data_samples[0].metainfo.get('input_size')
        if size is not None:
            return int(size[1]), int(size[0])
        return tuple(inputs.shape[-2:])

    @staticmethod
    def _keypoints(data_samples: list, key: str) -> Tensor:
        """(B, K, 2) float32 ``key`` of the samples (metainfo or field;
        arrays or tensors of any real dtype)."""
        kpts = []
        for sample in data_samples:
            value = (sample.metainfo[key]
                     if key in sample.metainfo else sample.get(key))
            if value is None:
                raise KeyError(f'{_WHERE}: data samples lack {key!r} (pack '
                               'them with PackMatchingInputs)')
            kpts.append(as_float64_array(value, key, _WHERE))
        return torch.as_tensor(
            np.stack(kpts), dtype=torch.float32).reshape(len(kpts), -1, 2)

    @torch.no_grad()
    def predict(self, inputs: Tensor, data_samples: list) -> List:
        """Match the source landmarks into both targets.

        Args:
            inputs (Tensor): (B, 3, 3, H, W) normalised [source, same, diff].
            data_samples (list): samples with ``src_keypoints`` (K, 2).

        Returns:
            list: the samples with ``pred_same_keypoints`` and
            ``pred_diff_keypoints`` (K, 2) float32 numpy arrays, (x, y)
            pixels of the image the keypoints live in (with ``report_dve``
            also ``pred_same_dve_keypoints`` and ``pred_diff_dve_keypoints``),
            and ``{same,diff}_landmark_descriptors`` (K, D) in the
            descriptors' dtype (float32 for float16 / bfloat16).
        """
        if inputs.dim() != 5 or inputs.shape[1] != 1 + len(GROUPS):
            raise ValueError(f'{_WHERE}: expected (B, 3, 3, H, W) inputs '
                             f'[source, same, diff], got '
                             f'{tuple(inputs.shape)}')
        desc = self.forward(inputs, mode='tensor')  # (B, 3, D, h, w)
        src_kpts = self._keypoints(data_samples, 'src_keypoints')
        image_size = self._image_size(inputs, data_samples)
        self.check_source_resample(data_samples)
        preds: Dict[str, np.ndarray] = {}
        for index, group in enumerate(GROUPS, start=1):
            preds.update(self._match(desc[:, 0], desc[:, index], src_kpts,
                                     image_size, group))
            landmarks = self.landmark_descriptors(
                desc[:, index], data_samples, f'{group}_keypoints',
                image_size)
            # numpy has no bfloat16: half descriptors come back as float32
            preds[f'{group}_landmark_descriptors'] = at_least_float32(
                landmarks).cpu().numpy()
        for i, sample in enumerate(data_samples):
            for key, value in preds.items():
                sample.set_field(value[i], key)
        return data_samples

    def _match(self, src: Tensor, tgt: Tensor, src_kpts: Tensor,
               image_size: Tuple[int, int],
               group: str) -> Dict[str, np.ndarray]:
        """``pred_{group}_keypoints`` (and ``pred_{group}_dve_keypoints``
        with ``report_dve``) as (B, K, 2) numpy arrays."""
        rule = self.rule
        pred = match_landmarks(src, tgt, src_kpts, image_size,
                               self.chunk_size, argmax=rule.argmax,
                               similarity=rule.similarity).cpu().numpy()
        out = {f'pred_{group}_keypoints': pred}
        if self.report_dve:
            same_rule = rule[:2] == DVE_RULE[:2]
            out[f'pred_{group}_dve_keypoints'] = pred if same_rule else (
                match_landmarks(src, tgt, src_kpts, image_size,
                                self.chunk_size, argmax=DVE_RULE.argmax,
                                similarity=DVE_RULE.similarity)
                .cpu().numpy())
        return out

    def check_source_resample(self, data_samples: list) -> None:
        """Raise if the samples' ``source_resample`` metainfo (written by
        ``MatchingPairWarp``) is not the rule's."""
        for sample in data_samples:
            done = sample.metainfo.get('source_resample')
            if done is not None and done != self.rule.source_resample:
                raise ValueError(
                    f'{_WHERE}: the scoring rule expects the source '
                    f'resampled {self.rule.source_resample!r} but the '
                    f'pipeline resampled it {done!r}; set MatchingPairWarp'
                    f'(source_resample={self.rule.source_resample!r}) or '
                    f'the model\'s source_resample={done!r}')

    @staticmethod
    def landmark_descriptors(desc: Tensor, data_samples: list, key: str,
                             image_size: Tuple[int, int]) -> Tensor:
        """Unit descriptors of the images at their ground-truth landmarks.

        Samples the map as its bilinear upsampling to ``image_size`` would
        (the matching protocol), without building the full-size map.

        Args:
            desc (Tensor): (B, D, h, w) descriptor maps.
            data_samples (list): samples carrying ``key`` (K, 2) pixels.
            key (str): keypoint field, e.g. ``'same_keypoints'``.
            image_size (tuple): (H, W) of the image the keypoints live in.

        Returns:
            Tensor: (B, K, D) L2-normalised descriptors.
        """
        if not any(key in s.metainfo or key in s for s in data_samples):
            return desc.new_zeros(len(data_samples), 0, desc.shape[1])
        kpts = LandmarkMatcher._keypoints(data_samples, key).to(desc.device)
        scale = kpts.new_tensor([desc.shape[-1] / image_size[1],
                                 desc.shape[-2] / image_size[0]])
        low = (kpts + 0.5) * scale - 0.5  # same point on the h x w map
        return F.normalize(sample_descriptors(desc, low), dim=-1)
