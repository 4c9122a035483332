"""Landmark matching with the least-attended patch tokens dropped (Fig. S2).

The supplementary chooses the attentive rate by "directly dropping a certain
portion of the patch tokens" and plotting the matching error against the
drop rate. Our exact reading (the paper gives no more detail):

* the tokens dropped in an image are the ``round(rate * N)`` patch tokens
  with the *lowest* CLS-to-patch attention (head-averaged, of the backbone's
  ``layer_index`` block, the block of SCE-MAE's split; paper Eq. 1);
* the backbone's forward pass is not altered (every token still attends to
  every other one); a dropped token's **descriptor is set to zero** before
  the map is upsampled, so it carries no information: a zero descriptor has
  cosine similarity 0 with everything, and bilinear upsampling blends it
  with its kept neighbours;
* with cover-and-stride every shifted pass drops its own least-attended
  tokens (each pass has its own CLS attention), then the passes are
  interleaved as usual. Projector and normalisation are pointwise, so this
  equals projecting the interleaved map and zeroing the dropped cells.

``drop_rate = 0`` is exactly :class:`LandmarkMatcher`.
"""
import math
from functools import partial
from typing import Optional

import torch
from mmpose.registry import MODELS
from torch import Tensor

from ..utils.cover_and_stride import cover_and_stride
from .matcher import LandmarkMatcher

_WHERE = 'DropTokenMatcher'


def lowest_attention_mask(cls_attn: Tensor, rate: float) -> Tensor:
    """Mark the ``round(rate * N)`` least-attended tokens of every image.

    Args:
        cls_attn (Tensor): (B, N) CLS-to-patch attention.
        rate (float): drop rate in [0, 1).

    Returns:
        Tensor: (B, N) bool, True for dropped tokens (ties: the lower
        token index is dropped first).
    """
    if not 0. <= rate < 1.:
        raise ValueError(f'{_WHERE}: drop rate must lie in [0, 1), got '
                         f'{rate!r}')
    if cls_attn.dim() != 2:
        raise ValueError(f'{_WHERE}: expected cls_attn (B, N), got '
                         f'{tuple(cls_attn.shape)}')
    count = int(math.floor(rate * cls_attn.shape[1] + 0.5))
    mask = torch.zeros_like(cls_attn, dtype=torch.bool)
    if count == 0:
        return mask
    order = torch.argsort(cls_attn, dim=1, stable=True)
    return mask.scatter(1, order[:, :count], True)


@MODELS.register_module()
class DropTokenMatcher(LandmarkMatcher):
    """:class:`LandmarkMatcher` whose least-attended tokens are dropped.

    Args:
        drop_rate (float): fraction of patch tokens dropped per image
            (paper Fig. S2: 0 to 0.9).
        **kwargs: :class:`LandmarkMatcher` arguments. The backbone must offer
            ``forward_tokens`` (``SCEViT``); its ``layer_index`` chooses
            the attention block.
    """

    def __init__(self, drop_rate: float = 0., **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0. <= drop_rate < 1.:
            raise ValueError(f'{_WHERE}: drop_rate must lie in [0, 1), got '
                             f'{drop_rate!r}')
        if not hasattr(self.backbone, 'forward_tokens'):
            raise TypeError(f'{_WHERE}: backbone '
                            f'{type(self.backbone).__name__} has no '
                            'forward_tokens (CLS attention)')
        self.drop_rate = float(drop_rate)

    def describe(self, last: Tensor) -> Tensor:
        """Descriptors of a plain last-layer map (per ``descriptor``).

        Args:
            last (Tensor): (B, C, h, w) backbone map.

        Returns:
            Tensor: (B, D, h, w) descriptors.
        """
        if self.descriptor == 'backbone':
            return last
        proj = self.neck((last, ))[-1]
        if getattr(self.neck, 'concat_backbone', False):
            proj = proj[:, last.shape[1]:]
        if self.descriptor == 'projector':
            return proj
        return torch.cat([last, proj], dim=1)

    def _dropped_pass(self, crops: Tensor, rate: float) -> Tensor:
        """Descriptors of crops (n, 3, 96, 96), dropped tokens zeroed."""
        out = self.backbone.forward_tokens(crops)
        desc = self.describe(out['last'])
        dropped = lowest_attention_mask(out['cls_attn'], rate)
        keep = (~dropped).to(desc.dtype).view(desc.shape[0], 1,
                                              *desc.shape[-2:])
        return desc * keep

    def extract_descriptors(self, images: Tensor,
                            drop_rate: Optional[float] = None) -> Tensor:
        """Dense descriptors with the least-attended tokens zeroed.

        Args:
            images (Tensor): (N, 3, 96 + 2c, 96 + 2c) normalised images.
            drop_rate (float, optional): overrides ``self.drop_rate``.

        Returns:
            Tensor: (N, D, 96 / stride, 96 / stride).
        """
        rate = self.drop_rate if drop_rate is None else drop_rate
        if rate == 0:
            return super().extract_descriptors(images)
        backbone = self.backbone
        margin = (images.shape[-1] - backbone.img_size) // 2
        one_pass = partial(self._dropped_pass, rate=rate)
        if backbone.stride == backbone.patch_size:
            size = backbone.img_size
            return one_pass(images[..., margin:margin + size,
                                   margin:margin + size])
        return cover_and_stride(
            one_pass,
            images,
            backbone.patch_size,
            backbone.stride,
            margin=margin,
            chunk_size=backbone.chunk_size)
