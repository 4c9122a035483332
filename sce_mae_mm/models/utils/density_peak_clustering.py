"""Density-peak clustering of tokens (SCE-MAE Eq. 2-3, SPEC section 3.2).

For every participating token ``t_i`` of an image the clustering computes a
density ``rho_i`` and a separation ``delta_i``:

* ``density='knn'`` (default, DPC-kNN as used by the cited work BAT/TCFormer):
  ``rho_i = exp(-mean_{j in kNN(i)} d_ij ** 2)`` where ``d_ij`` is the
  Euclidean distance divided by ``sqrt(C)`` and ``kNN(i)`` are the ``k``
  participating tokens nearest to ``t_i`` **including ``t_i`` itself**
  (``d_ii = 0``), exactly as in the DPC-kNN code of the cited work.
  Images with fewer than ``k`` participating tokens average over all of them.
* ``density='all'`` (the paper's printed form, with its minus sign restored):
  ``rho_i = exp(-sum_j d_ij ** 2)`` over every participating token.

``delta_i`` is the smallest distance from ``t_i`` to a participating token of
higher density; the densest token gets its largest distance to any
participating token. The ``num_clusters`` tokens with the highest
``score_i = rho_i * delta_i`` are the centres (in decreasing score order);
every other participating token joins its nearest centre, each centre joins
itself.

Densities are handled in log space (``log rho_i`` is the exponent above and
the score is ranked as ``log rho_i + log delta_i``), which ranks exactly like
``rho_i * delta_i`` but cannot underflow (the all-token form would otherwise
be ``exp(-hundreds)`` = 0 for every token). A tiny random tie-break
``tie_break * U(0, 1)`` is added to ``log rho_i`` (the multiplicative
equivalent of the additive ``rand * 1e-6`` of the cited code) so that equal
densities still have a strict order; pass ``tie_break=0`` for a deterministic
result. Everything is batched over images; masks may select a different
number of tokens in each image.
"""
import math
from typing import Optional, Tuple

import torch
from torch import Tensor

from ...dtypes import at_least_float32

DENSITY_MODES = ('knn', 'all')

# delta below this is clamped before the log so that duplicated tokens
# (delta = 0) still rank above non-participating tokens.
_MIN_DELTA = 1e-12


def pairwise_token_distances(tokens: Tensor) -> Tensor:
    """Euclidean distances between the tokens of each image over sqrt(C).

    Args:
        tokens (Tensor): (B, M, C) token features.

    Returns:
        Tensor: (B, M, M) ``||t_i - t_j|| / sqrt(C)``, exactly 0 on the
        diagonal.
    """
    channels = tokens.shape[-1]
    # centring keeps the matrix-product form of cdist (fast) accurate
    centred = tokens - tokens.mean(dim=1, keepdim=True)
    dist = torch.cdist(
        centred, centred, compute_mode='use_mm_for_euclid_dist')
    dist = dist / math.sqrt(channels)
    return dist.diagonal_scatter(
        torch.zeros(dist.shape[:2], dtype=dist.dtype, device=dist.device),
        dim1=1, dim2=2)


def log_density(dist: Tensor,
                mask: Tensor,
                k: int = 5,
                density: str = 'knn') -> Tensor:
    """Log of the local density ``rho`` of every token (Eq. 2).

    Args:
        dist (Tensor): (B, M, M) scaled pairwise distances.
        mask (Tensor): (B, M) bool, tokens that take part.
        k (int): neighbours of the kNN form (the token itself included).
        density (str): ``'knn'`` or ``'all'``.

    Returns:
        Tensor: (B, M) ``log rho``; meaningless where ``mask`` is False.
    """
    pair = mask[:, None, :]  # (B, 1, M) participating columns
    sq = dist.pow(2)
    if density == 'all':
        return -(sq * pair).sum(-1)
    inf = torch.full_like(dist, float('inf'))
    masked = torch.where(pair, dist, inf)
    k_max = min(k, dist.shape[-1])
    nearest, _ = torch.topk(masked, k_max, dim=-1, largest=False)
    finite = torch.isfinite(nearest)
    nearest_sq = torch.where(finite, nearest, 0.).pow(2)
    count = finite.sum(-1).clamp_min(1)
    return -nearest_sq.sum(-1) / count


def separation(dist: Tensor, log_rho: Tensor, mask: Tensor) -> Tensor:
    """Distance ``delta`` to the nearest token of higher density (Eq. 3).

    Args:
        dist (Tensor): (B, M, M) scaled pairwise distances.
        log_rho (Tensor): (B, M) log densities (strictly ordered).
        mask (Tensor): (B, M) bool, tokens that take part.

    Returns:
        Tensor: (B, M) ``delta``; the densest participating token of each
        image gets its largest distance to any participating token.
    """
    pair = mask[:, None, :] & mask[:, :, None]
    higher = (log_rho[:, None, :] > log_rho[:, :, None]) & pair
    inf = torch.full_like(dist, float('inf'))
    delta = torch.where(higher, dist, inf).amin(-1)
    farthest = torch.where(pair, dist, torch.zeros_like(dist)).amax(-1)
    return torch.where(torch.isinf(delta), farthest, delta)


def _check_inputs(tokens: Tensor, num_clusters: int, k: int,
                  mask: Optional[Tensor], density: str) -> Tensor:
    """Validate the arguments of :func:`density_peak_cluster`.

    Returns:
        Tensor: (B, M) bool mask (all True when ``mask`` is None).
    """
    where = 'density_peak_cluster'
    if tokens.dim() != 3:
        raise ValueError(f'{where}: expected tokens of shape (B, M, C), got '
                         f'{tuple(tokens.shape)}')
    batch, num, _ = tokens.shape
    if density not in DENSITY_MODES:
        raise ValueError(f'{where}: density must be one of {DENSITY_MODES}, '
                         f'got {density!r}')
    if int(num_clusters) != num_clusters or num_clusters < 1:
        raise ValueError(f'{where}: num_clusters must be a positive integer, '
                         f'got {num_clusters!r}')
    if int(k) != k or k < 1:
        raise ValueError(f'{where}: k must be a positive integer, got {k!r}')
    if mask is None:
        mask = torch.ones(batch, num, dtype=torch.bool, device=tokens.device)
    if mask.shape != (batch, num) or mask.dtype != torch.bool:
        raise ValueError(f'{where}: expected a bool mask of shape '
                         f'{(batch, num)}, got {mask.dtype} '
                         f'{tuple(mask.shape)}')
    counts = mask.sum(-1)
    fewest = int(counts.min())
    if fewest < num_clusters:
        image = int(counts.argmin())
        raise ValueError(
            f'{where}: num_clusters={num_clusters} is larger than the number '
            f'of participating tokens ({fewest} in image {image} of the '
            f'batch); lower num_clusters or raise the number of tokens '
            f'(CARB offers clamp_clusters=True to clamp instead)')
    return mask


def density_peak_cluster(
        tokens: Tensor,
        num_clusters: int,
        k: int = 5,
        mask: Optional[Tensor] = None,
        density: str = 'knn',
        tie_break: float = 1e-6,
        generator: Optional[torch.Generator] = None) -> Tuple[Tensor, Tensor]:
    """Cluster the participating tokens of each image by density peaks.

    Args:
        tokens (Tensor): (B, M, C) token features, any floating dtype
            (float16 / bfloat16 are clustered in float32).
        num_clusters (int): number of centres ``K`` per image.
        k (int): neighbours of the DPC-kNN density (self included).
        mask (Tensor, optional): (B, M) bool, the tokens that take part
            (e.g. the inattentive ones). Default: all tokens.
        density (str): ``'knn'`` (default) or ``'all'`` (paper's form).
        tie_break (float): scale of the uniform noise added to ``log rho``.
        generator (torch.Generator, optional): source of that noise.

    Returns:
        tuple[Tensor, Tensor]:
        ``centres`` (B, K) long token indices in decreasing score order;
        ``assignment`` (B, M) long, the index 0..K-1 (into ``centres``) of
        each token's centre, -1 for tokens outside ``mask``.

    Raises:
        ValueError: bad shapes or options, or ``num_clusters`` larger than
            the number of participating tokens of some image.
    """
    mask = _check_inputs(tokens, num_clusters, k, mask, density)
    with torch.no_grad():
        # float16 / bfloat16 / integer tokens cluster in float32 (cdist has
        # no half kernels; bf16 distances would tie)
        feats = at_least_float32(tokens.detach())
        dist = pairwise_token_distances(feats)
        log_rho = log_density(dist, mask, k, density)
        if tie_break > 0:
            noise = torch.rand(
                log_rho.shape, generator=generator,
                dtype=log_rho.dtype).to(log_rho.device)
            log_rho = log_rho + tie_break * noise
        delta = separation(dist, log_rho, mask)
        log_score = log_rho + delta.clamp_min(_MIN_DELTA).log()
        log_score = log_score.masked_fill(~mask, float('-inf'))
        centres = log_score.topk(num_clusters, dim=-1).indices  # (B, K)

        to_centre = dist.gather(
            2, centres[:, None, :].expand(-1, dist.shape[1], -1))  # (B,M,K)
        assignment = to_centre.argmin(-1)
        own = torch.arange(
            num_clusters, device=tokens.device).expand_as(centres)
        assignment = assignment.scatter(1, centres, own)
        assignment = assignment.masked_fill(~mask, -1)
    return centres, assignment
