"""ContrastLandmark's own second stage (paper Tables S2/S3, SPEC section 7).

:class:`CLStage2` is :class:`DenseStage2` with CL's projector
(:class:`CLDistiller`: features upsampled to 24 x 24 while training, to the
96 x 96 image at test time, a 1x1 conv and a spatial softmax x 7) and CL's
model selection: its ``predict`` on MAFL matching triplets (source, same,
different; ``MAFLMatchingDataset(split='train', max_images=2000)``) matches
landmarks like :class:`LandmarkMatcher`, so the runner's validation loop
with ``MAFLMatchingMetric`` and ``CheckpointHook(save_best='matching/diff',
rule='less')`` keeps the epoch of lowest different-identity error on MAFL
training pairs, never on the test set.

Its data preprocessor reads both kinds of batch: single images (training)
and matching triplets (validation), ``Stage2DataPreprocessor``
(``models/data_preprocessors/stage2.py``).
"""
from typing import Dict, List, Optional

import torch
from mmpose.registry import MODELS
from torch import Tensor

from ...evaluation.functional.matching import match_landmarks
from .dense_stage2 import DenseStage2
from .matcher import GROUPS, LandmarkMatcher

_WHERE = 'CLStage2'


@MODELS.register_module()
class CLStage2(DenseStage2):
    """Frozen SCEViT + CL's projector + CL's loss, selected on MAFL train.

    Args:
        matching_stride (int, optional): cover-and-stride stride of the
            backbone when matching triplets (2, as the matching configs);
            None keeps the backbone's own stride.
        chunk_size (int): images matched at once.
        **kwargs: see :class:`DenseStage2` (``neck`` is a ``CLDistiller``,
            ``loss`` a ``CLLoss``).
    """

    def __init__(self,
                 matching_stride: Optional[int] = 2,
                 chunk_size: int = 8,
                 **kwargs) -> None:
        kwargs.setdefault('loss', dict(type='CLLoss'))
        super().__init__(**kwargs)
        patch = getattr(self.backbone, 'patch_size', None)
        if matching_stride is not None and (
                patch is None or matching_stride < 1 or
                patch % matching_stride):
            raise ValueError(f'{_WHERE}: matching_stride {matching_stride} '
                             f'must divide the patch size {patch}')
        self.matching_stride = matching_stride
        self.chunk_size = chunk_size

    @torch.no_grad()
    def descriptors(self, images: Tensor) -> Tensor:
        """Test-time descriptors of normalised images.

        Args:
            images (Tensor): (N, 3, H, W).

        Returns:
            Tensor: (N, D, S, S), the neck's test size.
        """
        stride = self.matching_stride
        if stride is None or stride == self.backbone.patch_size:
            feats = self.backbone(images)[-1]
        else:
            feats = self.backbone.dense_map(images, stride)
        desc = self.neck((feats, ))[-1]
        if getattr(self.neck, 'concat_backbone', False):
            desc = desc[:, feats.shape[1]:]
        return desc

    def predict(self, inputs: Tensor,
                data_samples: Optional[list] = None) -> List:
        """Descriptors of images, or matches of triplets.

        Args:
            inputs (Tensor): (B, 3, H, W) images, or (B, 3, 3, H, W)
                [source, same, diff] triplets with ``src_keypoints``.
            data_samples (list, optional): the batch's samples.

        Returns:
            list: samples with ``pred_fields.descriptors`` (images) or
            ``pred_same_keypoints`` / ``pred_diff_keypoints`` (triplets).
        """
        if inputs.dim() != 5:
            return super().predict(inputs, data_samples)
        if data_samples is None or inputs.shape[1] != 1 + len(GROUPS):
            raise ValueError(f'{_WHERE}: matching needs (B, 3, 3, H, W) '
                             'triplets and their data samples, got '
                             f'{tuple(inputs.shape)}')
        batch, groups = inputs.shape[:2]
        desc = self.descriptors(inputs.flatten(0, 1)).unflatten(
            0, (batch, groups))
        src = LandmarkMatcher._keypoints(data_samples, 'src_keypoints')
        size = data_samples[0].metainfo.get('input_size')
        image_size = ((int(size[1]), int(size[0])) if size is not None else
                      tuple(inputs.shape[-2:]))
        preds: Dict[str, Tensor] = {}
        for index, group in enumerate(GROUPS, start=1):
            preds[group] = match_landmarks(desc[:, 0], desc[:, index], src,
                                           image_size,
                                           self.chunk_size).cpu().numpy()
        for i, sample in enumerate(data_samples):
            for group in GROUPS:
                sample.set_field(preds[group][i], f'pred_{group}_keypoints')
        return list(data_samples)
