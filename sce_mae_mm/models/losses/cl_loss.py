"""ContrastLandmark's within-image correspondence loss (SPEC section 7).

The second stage of CL (Cheng et al., ICCV 2021, public code) trains a light
projector on frozen features with DVE's dense correlation loss, applied
within one image: for every location ``i`` of an image, a softmax over all
locations ``j`` of the scaled cosine similarity, weighted by the distance of
the two locations in input pixels raised to ``power``::

    p(j | i)  = softmax_j(scale * cos(f_i, f_j))        (j = i included)
    L_image   = mean_i sum_j ||x_i - x_j||^power * p(j | i)

averaged over the images (``scale = 7``, ``power = 0.5`` in CL). All pairs
of locations take part: no selection, no clustering. Minimising it moves
every location's probability mass onto itself and its spatial neighbours,
i.e. it makes features distinct in proportion to the spatial distance.

Two call forms share one implementation:

* :func:`cl_loss` on a dense map (B, D, h, w): the baseline of paper
  Tables S2/S3, where the locations are the cells of the map and a cell is
  ``image_size / h`` pixels wide;
* :func:`cl_token_loss` on a padded token set (B, T, D) with positions, the
  call form of :class:`SCEMAEStage2` (``loss(feats, positions, attentive,
  valid)``): the "clustering without LCR" ablation row (paper Table 4),
  i.e. the CARB selection (attentive tokens + cluster centres) scored by
  CL's objective instead of LCR.
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn

from ...dtypes import at_least_float32, autocast_off, check_floating
from .lcr_loss import check_token_set

_WHERE = 'sce_mae_mm/models/losses/cl_loss.py'


def grid_positions(height: int,
                   width: int,
                   image_size: Union[int, Sequence[int]],
                   device: Optional[torch.device] = None) -> Tensor:
    """Pixel centres of the cells of a map that covers the image exactly.

    Args:
        height, width (int): map size h, w.
        image_size (int | tuple[int, int]): (H, W) of the input image (an
            int for a square image).
        device (torch.device, optional): device of the result.

    Returns:
        Tensor: (h * w, 2) float (x, y) pixel coordinates, row-major;
        cell ``(r, c)`` sits at ``((c + 0.5) W / w - 0.5, (r + 0.5) H / h
        - 0.5)``.
    """
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    img_h, img_w = (float(s) for s in image_size)
    ys = (torch.arange(height, device=device) + 0.5) * img_h / height - 0.5
    xs = (torch.arange(width, device=device) + 0.5) * img_w / width - 0.5
    yy, xx = torch.meshgrid(ys, xs, indexing='ij')
    return torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=-1)


@autocast_off
def cl_token_loss(feats: Tensor,
                  positions: Tensor,
                  valid: Optional[Tensor] = None,
                  scale: float = 7.,
                  power: float = 0.5) -> Tensor:
    """CL's within-image loss on a (padded) set of tokens per image.

    Args:
        feats (Tensor): (B, T, D) features (cosine similarity is taken, so
            they need not be unit length); float64, float32, float16 or
            bfloat16.
        positions (Tensor): (B, T, 2) locations in input pixels (x, y), any
            floating or integer dtype.
        valid (Tensor, optional): (B, T) bool, False for padding; padded
            tokens are neither anchors nor softmax candidates.
        scale (float): multiplier of the cosine similarity (CL: 7).
        power (float): exponent of the pixel distance (CL: 0.5).

    Returns:
        Tensor: scalar, ``mean_b mean_i sum_j d_ij^power p(j | i)`` over the
        valid tokens, in ``feats``'s dtype (float32 for float16 / bfloat16).
    """
    where = f'cl_token_loss ({_WHERE})'
    valid = check_token_set(feats, positions, valid, where)
    feats = at_least_float32(check_floating(feats, 'feats', where))
    unit = F.normalize(feats, dim=-1)
    logits = scale * torch.einsum('bid,bjd->bij', unit, unit)
    logits = logits.masked_fill(~valid[:, None, :], float('-inf'))
    prob = logits.softmax(dim=-1)
    pos = positions.to(feats.dtype)  # cdist: no half kernels
    dist = torch.cdist(pos, pos, compute_mode='donot_use_mm_for_euclid_dist')
    per_anchor = (dist.pow(power) * prob).sum(-1)  # (B, T)
    anchors = valid.to(per_anchor.dtype)
    per_image = (per_anchor * anchors).sum(-1) / anchors.sum(-1)
    return per_image.mean()


def cl_loss(feats: Tensor,
            image_size: Union[int, Sequence[int]] = 96,
            scale: float = 7.,
            power: float = 0.5) -> Tensor:
    """CL's within-image loss on dense maps (all location pairs).

    Args:
        feats (Tensor): (B, D, h, w) projected feature maps; memory grows
            as ``B (h w)^2`` (a 48 x 48 map: 5.3M floats per image).
        image_size (int | tuple[int, int]): (H, W) of the input image; a
            cell is ``H / h`` by ``W / w`` pixels.
        scale (float): multiplier of the cosine similarity (CL: 7).
        power (float): exponent of the pixel distance (CL: 0.5).

    Returns:
        Tensor: scalar loss, averaged over locations and images, in
        ``feats``'s dtype (float32 for float16 / bfloat16).
    """
    if feats.dim() != 4:
        raise ValueError(f'cl_loss ({_WHERE}): expected feats of shape '
                         f'(B, D, h, w), got {tuple(feats.shape)}')
    batch, _, height, width = feats.shape
    tokens = feats.flatten(2).transpose(1, 2)  # (B, N, D)
    pos = grid_positions(height, width, image_size, feats.device)
    return cl_token_loss(tokens, pos.expand(batch, -1, -1), None, scale,
                         power)


@MODELS.register_module()
class CLLoss(nn.Module):
    """ContrastLandmark's within-image loss (see :func:`cl_loss`).

    Called either on a dense map, ``loss(feats)`` with feats (B, D, h, w)
    (the CL baseline, :class:`DenseStage2`), or like the LCR loss,
    ``loss(feats, positions, attentive, valid)`` with feats (B, T, D) and
    positions (B, T, 2) in token-grid units (:class:`SCEMAEStage2`; the
    ``attentive`` mask is ignored: CL has no correspondence types).

    Args:
        scale (float): cosine similarity multiplier (CL: 7).
        power (float): exponent of the pixel distance (CL: 0.5).
        image_size (int | tuple[int, int]): input (H, W) for dense maps.
        token_stride (float): input pixels per token-grid unit, to turn the
            grid positions of the token form into pixels (the patch size,
            8).
        loss_weight (float): multiplier of the loss.
    """

    def __init__(self,
                 scale: float = 7.,
                 power: float = 0.5,
                 image_size: Union[int, Tuple[int, int]] = 96,
                 token_stride: float = 8.,
                 loss_weight: float = 1.) -> None:
        super().__init__()
        if scale <= 0 or token_stride <= 0:
            raise ValueError(f'CLLoss ({_WHERE}): scale and token_stride '
                             f'must be positive, got {scale} and '
                             f'{token_stride}')
        self.scale = scale
        self.power = power
        self.image_size = image_size
        self.token_stride = token_stride
        self.loss_weight = loss_weight

    def forward(self,
                feats: Tensor,
                positions: Optional[Tensor] = None,
                attentive: Optional[Tensor] = None,
                valid: Optional[Tensor] = None) -> Tensor:
        """Weighted loss.

        Args:
            feats (Tensor): (B, D, h, w) map, or (B, T, D) tokens.
            positions (Tensor, optional): (B, T, 2) token grid positions
                (x, y); required with tokens.
            attentive (Tensor, optional): ignored (LCR call form).
            valid (Tensor, optional): (B, T) bool mask of the tokens.

        Returns:
            Tensor: scalar loss times ``loss_weight``.
        """
        if feats.dim() == 4:
            loss = cl_loss(feats, self.image_size, self.scale, self.power)
        elif feats.dim() == 3:
            if positions is None:
                raise ValueError(f'CLLoss ({_WHERE}): token features '
                                 '(B, T, D) need positions (B, T, 2)')
            loss = cl_token_loss(feats, positions * self.token_stride, valid,
                                 self.scale, self.power)
        else:
            raise ValueError(f'CLLoss ({_WHERE}): expected a (B, D, h, w) '
                             f'map or (B, T, D) tokens, got '
                             f'{tuple(feats.shape)}')
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (f'scale={self.scale}, power={self.power}, '
                f'image_size={self.image_size}, '
                f'token_stride={self.token_stride}, '
                f'loss_weight={self.loss_weight}')
