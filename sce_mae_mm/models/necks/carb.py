"""Correspondence Approximation and Refinement Block (SCE-MAE section 3.2-3.4).

Training (:meth:`CARB.forward_train`):

1. *split* (Eq. 1): the ``round(eta * N)`` tokens with the highest CLS
   attention of the chosen layer are attentive, the rest inattentive;
2. *clustering* (Eq. 2-3): the inattentive tokens are clustered by density
   peaks on that layer's token features into ``num_clusters`` clusters;
3. *approximation*: every inattentive token of the last-layer map is replaced
   by its cluster centre's last-layer feature (``approximation='centre'``,
   default) or by the mean last-layer feature of its cluster (``'mean'``;
   ``'none'`` skips it, an ablation); the backbone's own forward pass is
   never altered;
4. the approximated map goes through the projector, and the selected tokens
   ``T = attentive + centres`` (with their grid positions and types) are
   handed to the LCR loss.

Inference (:meth:`CARB.forward`): no split, no clustering; every position of
the given map (any size, e.g. a cover-and-stride map) is projected.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor

from ..utils.attentive_split import attentive_split
from ..utils.density_peak_clustering import density_peak_cluster
from ..utils.freeze import freeze_module

APPROXIMATIONS = ('centre', 'mean', 'none')
_WHERE = 'CARB'


def approximate_tokens(tokens: Tensor,
                       centres: Tensor,
                       assignment: Tensor,
                       mode: str = 'centre') -> Tensor:
    """Replace every clustered token by its cluster's representative.

    Args:
        tokens (Tensor): (B, N, C) last-layer token features.
        centres (Tensor): (B, K) token indices of the cluster centres.
        assignment (Tensor): (B, N) cluster index 0..K-1 per token, -1 for
            tokens that were not clustered (kept unchanged).
        mode (str): ``'centre'``: the centre token's feature; ``'mean'``:
            the mean feature of the cluster's members; ``'none'``: no
            substitution (an ablation: the map stays as it is).

    Returns:
        Tensor: (B, N, C) approximated tokens.
    """
    if mode not in APPROXIMATIONS:
        raise ValueError(f'{_WHERE}: approximation must be one of '
                         f'{APPROXIMATIONS}, got {mode!r}')
    if mode == 'none':
        return tokens
    channels = tokens.shape[-1]
    clustered = assignment >= 0
    member_of = assignment.clamp_min(0)[..., None].expand(-1, -1, channels)
    if mode == 'centre':
        index = centres[..., None].expand(-1, -1, channels)
        representative = tokens.gather(1, index)  # (B, K, C)
    else:
        weight = clustered[..., None].to(tokens.dtype)
        shape = (tokens.shape[0], centres.shape[1], channels)
        sums = tokens.new_zeros(shape).scatter_add(1, member_of,
                                                   tokens * weight)
        counts = tokens.new_zeros(shape).scatter_add(
            1, member_of, weight.expand_as(tokens))
        representative = sums / counts.clamp_min(1)
    replaced = representative.gather(1, member_of)
    return torch.where(clustered[..., None], replaced, tokens)


def gather_selected(selected: Tensor) -> Tuple[Tensor, Tensor]:
    """Indices of the selected tokens of each image, padded to one length.

    Args:
        selected (Tensor): (B, N) bool.

    Returns:
        tuple[Tensor, Tensor]: ``index`` (B, T) token indices (selected ones
        first, in token order; padding points at unselected tokens) and
        ``valid`` (B, T) bool, with T the largest selected count.
    """
    num = int(selected.sum(-1).max())
    order = torch.argsort((~selected).to(torch.uint8), dim=1, stable=True)
    index = order[:, :num]
    return index, selected.gather(1, index)


@MODELS.register_module()
class CARB(BaseModule):
    """Correspondence Approximation and Refinement Block (a neck).

    Args:
        in_channels (int): backbone width C.
        out_channels (int): projector output D (paper: 64 / 128 / 256).
        eta (float): attentive rate (paper: 0.1 DeiT-T/S, 0.25 DeiT-B).
        num_clusters (int): K_c, clusters of inattentive tokens (paper: 4).
        knn (int): k of the DPC-kNN density.
        density (str): ``'knn'`` (default) or ``'all'`` (paper's form).
        approximation (str): ``'centre'`` (default), ``'mean'`` or
            ``'none'`` (no substitution). With the pointwise ``Projector``
            ``'centre'`` cannot change the loss (the selected tokens keep
            their features); a ``SpatialProjector`` reads the substituted
            neighbours.
        concat_backbone (bool): at inference return backbone + projector
            channels concatenated (for the detection regressor).
        clamp_clusters (bool): use ``min(num_clusters, #inattentive)``
            clusters instead of raising when there are too few inattentive
            tokens.
        tie_break (float): random tie-break of the density (see
            :func:`density_peak_cluster`).
        frozen (bool): keep the block in eval mode without gradients
            (e.g. while training a detection head on top of it).
        projector (dict, optional): projector config; ``in_channels`` and
            ``out_channels`` are filled in. Default ``dict(type='Projector')``
            (pointwise); ``dict(type='SpatialProjector')`` adds 3x3
            token-grid context.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 128,
                 eta: float = 0.1,
                 num_clusters: int = 4,
                 knn: int = 5,
                 density: str = 'knn',
                 approximation: str = 'centre',
                 concat_backbone: bool = False,
                 clamp_clusters: bool = False,
                 tie_break: float = 1e-6,
                 frozen: bool = False,
                 projector: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if approximation not in APPROXIMATIONS:
            raise ValueError(f'{_WHERE}: approximation must be one of '
                             f'{APPROXIMATIONS}, got {approximation!r}')
        if density not in ('knn', 'all'):
            raise ValueError(f"{_WHERE}: density must be 'knn' or 'all', "
                             f'got {density!r}')
        if not 0. < eta < 1.:
            raise ValueError(f'{_WHERE}: eta must be in (0, 1), got {eta!r}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.eta = eta
        self.num_clusters = num_clusters
        self.knn = knn
        self.density = density
        self.approximation = approximation
        self.concat_backbone = concat_backbone
        self.clamp_clusters = clamp_clusters
        self.tie_break = tie_break
        self.frozen = frozen
        projector = dict(type='Projector') if projector is None else dict(
            projector)
        projector.update(in_channels=in_channels, out_channels=out_channels)
        self.projector = MODELS.build(projector)
        if frozen:
            freeze_module(self)

    def train(self, mode: bool = True) -> 'CARB':
        """Set train mode; a frozen block always stays in eval mode."""
        super().train(False if self.frozen else mode)
        return self

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor]:
        """Inference: project every position of the last map.

        Args:
            feats (tuple[Tensor]): backbone outputs; the last one, (B, C,
                h, w) with any h, w (e.g. a cover-and-stride map), is used.

        Returns:
            tuple[Tensor]: ``((B, D, h, w),)``, or ``((B, C + D, h, w),)``
            (backbone then projector channels) with ``concat_backbone``.
        """
        if isinstance(feats, Tensor):
            feats = (feats, )
        x = feats[-1]
        proj = self.projector(x)
        if self.concat_backbone:
            return (torch.cat([x, proj], dim=1), )
        return (proj, )

    def _check_train_inputs(self, last: Tensor, layer_tokens: Tensor,
                            cls_attn: Tensor) -> None:
        if last.dim() != 4:
            raise ValueError(f'{_WHERE}: expected last of shape (B, C, h, '
                             f'w), got {tuple(last.shape)}')
        batch, _, height, width = last.shape
        num = height * width
        if layer_tokens.dim() != 3 or layer_tokens.shape[:2] != (batch, num):
            raise ValueError(f'{_WHERE}: expected layer_tokens of shape '
                             f'({batch}, {num}, C), got '
                             f'{tuple(layer_tokens.shape)}')
        if cls_attn.shape != (batch, num):
            raise ValueError(f'{_WHERE}: expected cls_attn of shape '
                             f'({batch}, {num}), got {tuple(cls_attn.shape)}')

    def split_and_cluster(self, layer_tokens: Tensor,
                          cls_attn: Tensor) -> Dict[str, Tensor]:
        """Attentive split and clustering of the inattentive tokens.

        Args:
            layer_tokens (Tensor): (B, N, C') tokens of the chosen layer.
            cls_attn (Tensor): (B, N) CLS attention of that layer.

        Returns:
            dict: ``attentive_mask`` (B, N) bool, ``centres`` (B, K) and
            ``assignment`` (B, N) (-1 for attentive tokens).
        """
        attentive_mask = attentive_split(cls_attn, self.eta)
        inattentive = ~attentive_mask
        num_clusters = self.num_clusters
        if self.clamp_clusters:
            num_clusters = min(num_clusters, int(inattentive.sum(-1).min()))
        centres, assignment = density_peak_cluster(
            layer_tokens,
            num_clusters,
            k=self.knn,
            mask=inattentive,
            density=self.density,
            tie_break=self.tie_break)
        return dict(
            attentive_mask=attentive_mask,
            centres=centres,
            assignment=assignment)

    def forward_train(self, last: Tensor, layer_tokens: Tensor,
                      cls_attn: Tensor) -> Dict[str, Tensor]:
        """Split, cluster, approximate, project and select tokens.

        Args:
            last (Tensor): (B, C, h, w) last-layer patch map.
            layer_tokens (Tensor): (B, h*w, C') tokens of the clustering
                layer.
            cls_attn (Tensor): (B, h*w) CLS-to-patch attention of that layer.

        Returns:
            dict: ``proj`` (B, D, h, w) projected approximated map;
            ``feats`` (B, T, D) features of the selected tokens (attentive
            tokens and cluster centres, in token order); ``positions``
            (B, T, 2) their grid coordinates (x, y); ``attentive`` (B, T)
            bool (False = centre); ``valid`` (B, T) bool; ``index`` (B, T)
            their token indices; ``attentive_mask`` (B, N), ``centres``
            (B, K), ``assignment`` (B, N) for figures.
        """
        self._check_train_inputs(last, layer_tokens, cls_attn)
        batch, channels, height, width = last.shape
        groups = self.split_and_cluster(layer_tokens, cls_attn)

        tokens = last.flatten(2).transpose(1, 2)  # (B, N, C)
        approx = approximate_tokens(tokens, groups['centres'],
                                    groups['assignment'], self.approximation)
        approx = approx.transpose(1, 2).reshape(batch, channels, height,
                                                width)
        proj = self.projector(approx)  # (B, D, h, w)

        selected = groups['attentive_mask'].scatter(1, groups['centres'],
                                                    True)
        index, valid = gather_selected(selected)
        flat = proj.flatten(2).transpose(1, 2)  # (B, N, D)
        feats = flat.gather(1, index[..., None].expand(-1, -1, flat.shape[2]))
        positions = torch.stack([index % width, index // width], dim=-1)
        return dict(
            proj=proj,
            feats=feats,
            positions=positions.to(feats.dtype),
            attentive=groups['attentive_mask'].gather(1, index),
            valid=valid,
            index=index,
            **groups)
