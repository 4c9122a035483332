"""Locality-Constrained Repellence loss (SCE-MAE Eq. 4-7, SPEC section 3.5).

For the selected tokens ``T`` of one image (attentive tokens and cluster
centres) with projected unit features ``phi`` and grid positions ``pos``::

    p(j | i)     = softmax_j(<phi_i, phi_j> / tau)      over the valid j of T
                                                        (j = i included)
    f_loc(i, j)  = log(||pos_i - pos_j|| + 1)           (grid cells by
                                                        default; input
                                                        pixels optional)
    lambda(i, j) = r_att_att     both attentive
                   r_inatt_inatt both cluster centres
                   r_att_inatt   otherwise
    L_image      = mean_i sum_j f_loc(i, j) * lambda(i, j) * p(j | i)

averaged over the valid anchors ``i`` of each image and then over the
images. Minimising it pushes probability mass of every token towards
spatially close tokens, i.e. it repels far-apart tokens in feature space
with a strength that grows with their distance. ``f_loc(i, i) = 0``, so the
self term never contributes. A repellence of 0 switches that correspondence
type off (paper Table S6). Paper values (section 4): r_att_att = 5,
r_att_inatt = 5, r_inatt_inatt = 2.
"""
from typing import Optional

import torch
from mmpose.registry import MODELS
from torch import Tensor, nn

from ...dtypes import at_least_float32, autocast_off, check_floating

DISTANCE_UNITS = ('cell', 'pixel')


def repellence_weights(attentive: Tensor, r_att_att: float,
                       r_att_inatt: float, r_inatt_inatt: float) -> Tensor:
    """Pairwise repellence ``lambda_rep`` by correspondence type (Eq. 6).

    Args:
        attentive (Tensor): (B, T) bool, True for attentive tokens, False
            for cluster centres.
        r_att_att, r_att_inatt, r_inatt_inatt (float): the three weights.

    Returns:
        Tensor: (B, T, T) float weights.
    """
    att_i = attentive[:, :, None]
    att_j = attentive[:, None, :]
    both_att = att_i & att_j
    both_inatt = ~att_i & ~att_j
    weights = torch.full(both_att.shape, float(r_att_inatt),
                         device=attentive.device)
    weights = weights.masked_fill(both_att, float(r_att_att))
    return weights.masked_fill(both_inatt, float(r_inatt_inatt))


def locality(positions: Tensor) -> Tensor:
    """Spatial term ``f_loc = log(||pos_i - pos_j|| + 1)`` (Eq. 5).

    Args:
        positions (Tensor): (B, T, 2) token grid coordinates.

    Returns:
        Tensor: (B, T, T), 0 on the diagonal and for equal positions.
    """
    pos = positions.float()
    dist = torch.cdist(pos, pos, compute_mode='donot_use_mm_for_euclid_dist')
    return torch.log1p(dist)


def check_token_set(feats: Tensor, positions: Tensor,
                    valid: Optional[Tensor], where: str) -> Tensor:
    """Validate a padded token set; return its valid mask.

    Args:
        feats (Tensor): (B, T, D) features.
        positions (Tensor): (B, T, 2) token positions.
        valid (Tensor, optional): (B, T) bool; None = all valid.
        where (str): the caller, named in the errors.

    Returns:
        Tensor: (B, T) bool valid mask (every image has a valid token).
    """
    if feats.dim() != 3:
        raise ValueError(f'{where}: expected feats of shape (B, T, D), got '
                         f'{tuple(feats.shape)}')
    batch, num = feats.shape[:2]
    if positions.shape != (batch, num, 2):
        raise ValueError(f'{where}: expected positions of shape '
                         f'{(batch, num, 2)}, got {tuple(positions.shape)}')
    if valid is None:
        return feats.new_ones((batch, num), dtype=torch.bool)
    if valid.shape != (batch, num) or valid.dtype != torch.bool:
        raise ValueError(f'{where}: expected a bool valid mask of shape '
                         f'{(batch, num)}, got {valid.dtype} '
                         f'{tuple(valid.shape)}')
    if not bool(valid.any(-1).all()):
        raise ValueError(f'{where}: every image needs at least one valid '
                         'token; got an image with none')
    return valid


def _check_inputs(feats: Tensor, positions: Tensor, attentive: Tensor,
                  valid: Optional[Tensor]) -> Tensor:
    """Validate the arguments of :func:`lcr_loss`; return the valid mask."""
    where = 'lcr_loss'
    valid = check_token_set(feats, positions, valid, where)
    check_floating(feats, 'feats', where)
    if attentive.shape != valid.shape or attentive.dtype != torch.bool:
        raise ValueError(f'{where}: expected a bool attentive mask of shape '
                         f'{tuple(valid.shape)}, got {attentive.dtype} '
                         f'{tuple(attentive.shape)}')
    return valid


@autocast_off
def lcr_loss(feats: Tensor,
             positions: Tensor,
             attentive: Tensor,
             tau: float = 1. / 7,
             r_att_att: float = 5.,
             r_att_inatt: float = 5.,
             r_inatt_inatt: float = 2.,
             valid: Optional[Tensor] = None,
             loc_scale: float = 1.) -> Tensor:
    """Locality-constrained repellence loss of a batch (Eq. 4-7).

    Args:
        feats (Tensor): (B, T, D) projected features of the selected tokens
            (unit length in SCE-MAE; not normalised here); float64, float32,
            float16 or bfloat16.
        positions (Tensor): (B, T, 2) their grid coordinates (x, y), any
            floating or integer dtype.
        attentive (Tensor): (B, T) bool, False for cluster centres.
        tau (float): softmax temperature.
        r_att_att, r_att_inatt, r_inatt_inatt (float): repellence weights.
        valid (Tensor, optional): (B, T) bool, False for padding; padded
            tokens are neither anchors nor softmax candidates.
        loc_scale (float): length of one position unit in the unit of
            ``f_loc``: 1 measures distances in grid cells (default), the
            patch size (8) in input pixels.

    Returns:
        Tensor: scalar loss in ``feats``'s dtype; float32 for float16 /
        bfloat16 feats (the softmax and its sums run in at least float32,
        with autocast off).
    """
    valid = _check_inputs(feats, positions, attentive, valid)
    feats = at_least_float32(feats)
    if loc_scale <= 0:
        raise ValueError('lcr_loss: '
                         f'loc_scale must be positive, got {loc_scale!r}')
    if tau <= 0:
        raise ValueError('lcr_loss: '
                         f'tau must be positive, got {tau!r}')
    logits = torch.einsum('bid,bjd->bij', feats, feats) / tau
    logits = logits.masked_fill(~valid[:, None, :], float('-inf'))
    prob = logits.softmax(-1)
    weights = locality(positions * loc_scale) * repellence_weights(
        attentive, r_att_att, r_att_inatt, r_inatt_inatt)
    per_anchor = (weights.to(prob.dtype) * prob).sum(-1)  # (B, T)
    anchors = valid.to(per_anchor.dtype)
    per_image = (per_anchor * anchors).sum(-1) / anchors.sum(-1)
    return per_image.mean()


@MODELS.register_module()
class LCRLoss(nn.Module):
    """Locality-Constrained Repellence loss module (see :func:`lcr_loss`).

    Args:
        tau (float): softmax temperature; paper silent, default 1/7 (the
            x7 cosine scaling of ContrastLandmark).
        r_att_att (float): attentive-attentive repellence (paper: 5).
        r_att_inatt (float): attentive-centre repellence (paper: 5).
        r_inatt_inatt (float): centre-centre repellence (paper: 2).
        loss_weight (float): multiplier of the loss.
        distance_unit (str): unit of the distance in ``f_loc = log(d + 1)``:
            ``'cell'`` (token-grid cells, default) or ``'pixel'`` (input
            pixels, ``patch_size`` per cell). The log is not scale-invariant:
            the weight ratio of a d = 1 to a d = 10 token is 0.29 in cells
            and 0.50 in pixels.
        patch_size (int): pixels per grid cell for ``'pixel'``.
    """

    def __init__(self,
                 tau: float = 1. / 7,
                 r_att_att: float = 5.,
                 r_att_inatt: float = 5.,
                 r_inatt_inatt: float = 2.,
                 loss_weight: float = 1.,
                 distance_unit: str = 'cell',
                 patch_size: int = 8) -> None:
        super().__init__()
        if tau <= 0:
            raise ValueError(f'LCRLoss: tau must be positive, got {tau}')
        if distance_unit not in DISTANCE_UNITS:
            raise ValueError('LCRLoss'
                             f': distance_unit must be one of '
                             f'{DISTANCE_UNITS}, got {distance_unit!r}')
        if patch_size < 1:
            raise ValueError('LCRLoss'
                             f': patch_size must be >= 1, got {patch_size}')
        self.distance_unit = distance_unit
        self.patch_size = patch_size
        self.loc_scale = float(patch_size if distance_unit == 'pixel' else 1)
        self.tau = tau
        self.r_att_att = r_att_att
        self.r_att_inatt = r_att_inatt
        self.r_inatt_inatt = r_inatt_inatt
        self.loss_weight = loss_weight

    def forward(self,
                feats: Tensor,
                positions: Tensor,
                attentive: Tensor,
                valid: Optional[Tensor] = None) -> Tensor:
        """Weighted loss; shapes as in :func:`lcr_loss`.

        Returns:
            Tensor: scalar loss times ``loss_weight``.
        """
        loss = lcr_loss(feats, positions, attentive, self.tau,
                        self.r_att_att, self.r_att_inatt,
                        self.r_inatt_inatt, valid, self.loc_scale)
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, r=({self.r_att_att}, {self.r_att_inatt}, '
                f'{self.r_inatt_inatt}), loss_weight={self.loss_weight}, '
                f'distance_unit={self.distance_unit!r}')
