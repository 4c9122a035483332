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
from typing import Optional

import torch
from mmpose.registry import MODELS
from torch import Tensor

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

    def _tokens_pass(self, crops: Tensor) -> Tensor:
        """(n, 3, 96, 96) crops -> (n, C + 1, 12, 12): the last-layer map
        (float32) and, as channel C, the CLS-to-patch attention."""
        out = self.backbone.forward_tokens(crops)
        last = out['last'].float()
        attn = out['cls_attn'].float().view(last.shape[0], 1,
                                            *last.shape[-2:])
        return torch.cat([last, attn], dim=1)

    def _dense_tokens(self, images: Tensor) -> Tensor:
        """:meth:`_tokens_pass` of every shifted copy, interleaved as
        cover-and-stride does: (N, C + 1, h, w)."""
        return self.backbone.dense_map(images, fn=self._tokens_pass)

    def dropped_cells(self, cls_attn: Tensor, rate: float) -> Tensor:
        """Each shifted pass's least-attended tokens, on the dense map.

        Cell ``(a * r + ky, b * r + kx)`` of the interleaved map is token
        ``(a, b)`` of the pass shifted by ``(ky, kx)``, ``r = P / stride``;
        every pass drops its own ``round(rate * N)`` tokens.

        Args:
            cls_attn (Tensor): (B, h, w) interleaved CLS attention.
            rate (float): drop rate in [0, 1).

        Returns:
            Tensor: (B, h, w) bool, True for dropped cells.
        """
        ratio = self.backbone.patch_size // self.backbone.stride
        batch, height, width = cls_attn.shape
        gh, gw = height // ratio, width // ratio
        # (B, gh, r, gw, r) -> (B, r, r, gh, gw): one row per pass
        passes = cls_attn.view(batch, gh, ratio, gw, ratio).permute(
            0, 2, 4, 1, 3).reshape(batch * ratio * ratio, gh * gw)
        mask = lowest_attention_mask(passes, rate)
        return mask.view(batch, ratio, ratio, gh, gw).permute(
            0, 3, 1, 4, 2).reshape(batch, height, width)

    def extract_descriptors(self, images: Tensor,
                            drop_rate: Optional[float] = None) -> Tensor:
        """Dense descriptors with the least-attended tokens zeroed.

        The last-layer map and the CLS attention do not depend on the
        rate: with ``backbone_cache`` they are computed once per image for
        every rate.

        Args:
            images (Tensor): (N, 3, 96 + 2c, 96 + 2c) normalised images.
            drop_rate (float, optional): overrides ``self.drop_rate``.

        Returns:
            Tensor: (N, D, 96 / stride, 96 / stride).
        """
        rate = self.drop_rate if drop_rate is None else drop_rate
        if rate == 0:
            return super().extract_descriptors(images)
        if self.backbone_cache is None:
            tokens = self._dense_tokens(images)
        else:
            tag = f'last+cls_attn@{self.backbone.layer_index}'
            tokens = self.backbone_cache(
                self.backbone, images,
                run=lambda x: (self._dense_tokens(x), ), tag=tag)[0]
        desc = self.describe(tokens[:, :-1].contiguous())
        dropped = self.dropped_cells(tokens[:, -1], rate)
        return desc * (~dropped).to(desc.dtype)[:, None]
