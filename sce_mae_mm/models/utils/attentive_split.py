"""Attentive / inattentive token split (SCE-MAE Eq. 1, SPEC section 3.1).

The ``round(eta * N)`` patch tokens with the highest CLS-to-patch attention
are *attentive*; all others are *inattentive*.
"""
import math

import torch
from torch import Tensor


def num_attentive(num_tokens: int, eta: float) -> int:
    """Number of attentive tokens, ``round(eta * N)`` (half up), >= 1.

    Args:
        num_tokens (int): N, the number of patch tokens.
        eta (float): attentive rate in (0, 1].

    Returns:
        int: the attentive count, between 1 and N.
    """
    if not 0. < eta <= 1.:
        raise ValueError(f'attentive_split: eta must be in (0, 1], '
                         f'got {eta!r}')
    return min(num_tokens, max(1, int(math.floor(eta * num_tokens + 0.5))))


def attentive_split(cls_attn: Tensor, eta: float) -> Tensor:
    """Mark the tokens with the highest CLS attention as attentive.

    Args:
        cls_attn (Tensor): (B, N) CLS-to-patch attention scores.
        eta (float): attentive rate; ``round(eta * N)`` tokens (at least 1)
            are selected in every image.

    Returns:
        Tensor: (B, N) bool, True for attentive tokens.
    """
    if cls_attn.dim() != 2:
        raise ValueError('attentive_split: expected cls_attn of shape '
                         f'(B, N), got {tuple(cls_attn.shape)}')
    count = num_attentive(cls_attn.shape[1], eta)
    index = cls_attn.topk(count, dim=1).indices
    mask = cls_attn.new_zeros(cls_attn.shape, dtype=torch.bool)
    return mask.scatter(1, index, True)
