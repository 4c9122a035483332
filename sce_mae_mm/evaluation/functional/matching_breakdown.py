"""Where matching errors come from (issue 19 §1): near, mirrored, far.

Numpy on ``(N, K, 2)`` predictions and ground truth of one pair group (any
pixel frame; ``scale`` converts the distances to the reporting frame, DVE's
70-px frame in :class:`MAFLMatchingMetric`); arrays or tensors of any real
dtype (bfloat16 and integers included) are converted to float64:

* ``within_{t}px``: fraction of the N x K landmarks matched within ``t``
  px (reporting frame, ``error <= t``);
* ``mirror_rate``: fraction of the landmarks that have a mirror partner
  (``flip_indices[k] != k``: eyes, mouth corners) whose prediction lies
  strictly nearer the partner's ground truth than its own, and farther than
  ``mirror_min`` px (reporting frame) from its own;
* ``far_rate``: fraction of the N x K landmarks farther from their ground
  truth than the target's inter-ocular distance (frame-independent).
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from ...dtypes import as_float64_array

__all__ = [
    'landmark_errors', 'within_rates', 'mirror_flags', 'far_flags',
    'matching_breakdown'
]

Array = np.ndarray
_WHERE = 'matching_breakdown'


def _check_points(pred: Array, gt: Array) -> Tuple[Array, Array]:
    """(N, K, 2) float64 copies; ValueError if the shapes differ,
    TypeError for bool / complex values."""
    pred = as_float64_array(pred, 'pred', _WHERE)
    gt = as_float64_array(gt, 'gt', _WHERE)
    if pred.ndim != 3 or pred.shape[-1] != 2 or pred.shape != gt.shape:
        raise ValueError(f'{_WHERE}: expected pred and gt of one (N, K, 2) '
                         f'shape, got {pred.shape} and {gt.shape}')
    return pred, gt


def landmark_errors(pred: Array, gt: Array, scale: float = 1.) -> Array:
    """(N, K) Euclidean errors x ``scale``; pred, gt (N, K, 2)."""
    pred, gt = _check_points(pred, gt)
    return np.linalg.norm(pred - gt, axis=-1) * scale


def within_rates(errors: Array,
                 thresholds: Sequence[float] = (1, 3, 5)
                 ) -> Dict[str, float]:
    """``{'within_{t}px': fraction of errors <= t}`` over all entries.

    Args:
        errors: (N, K) errors in the reporting frame.
        thresholds: radii in the same frame.
    """
    errors = as_float64_array(errors, 'errors', _WHERE)
    return {f'within_{t:g}px': float((errors <= t).mean())
            for t in thresholds}


def mirror_flags(pred: Array, gt: Array, flip_indices: Sequence[int],
                 min_error: float = 3., scale: float = 1.) -> Array:
    """(N, K) bool: predicted nearer the mirror partner than the landmark
    itself and farther than ``min_error`` from it.

    Args:
        pred, gt: (N, K, 2) predictions and ground truth.
        flip_indices: K partner indices (``k`` itself: no partner, never
            flagged).
        min_error: distance from the own landmark (reporting frame) below
            which a prediction is not called mirrored.
        scale: pixels -> reporting frame.
    """
    pred, gt = _check_points(pred, gt)
    flip = np.asarray(flip_indices, np.int64)
    if flip.shape != (gt.shape[1], ) or flip.min(initial=0) < 0 or \
            flip.max(initial=0) >= gt.shape[1]:
        raise ValueError(f'{_WHERE}: flip_indices must hold {gt.shape[1]} '
                         f'indices in [0, {gt.shape[1]}), got '
                         f'{list(flip_indices)}')
    own = np.linalg.norm(pred - gt, axis=-1)
    partner = np.linalg.norm(pred - gt[:, flip], axis=-1)
    return (partner < own) & (own * scale > min_error)


def far_flags(pred: Array, gt: Array,
              interocular: Tuple[int, int] = (0, 1)) -> Array:
    """(N, K) bool: error larger than the ground truth's inter-ocular
    distance (landmarks ``interocular``, eye centres on 5-point sets)."""
    pred, gt = _check_points(pred, gt)
    i, j = interocular
    if not (0 <= i < gt.shape[1] and 0 <= j < gt.shape[1]):
        raise ValueError(f'{_WHERE}: interocular {interocular} out of range '
                         f'for {gt.shape[1]} landmarks')
    iod = np.linalg.norm(gt[:, i] - gt[:, j], axis=-1)  # (N,)
    return np.linalg.norm(pred - gt, axis=-1) > iod[:, None]


def matching_breakdown(pred: Array,
                       gt: Array,
                       flip_indices: Optional[Sequence[int]] = None,
                       interocular: Tuple[int, int] = (0, 1),
                       thresholds: Sequence[float] = (1, 3, 5),
                       mirror_min: float = 3.,
                       scale: float = 1.) -> Dict[str, float]:
    """The three breakdowns of one group.

    Args:
        pred, gt: (N, K, 2) predictions and ground truth (pixels).
        flip_indices: K mirror partners; None omits ``mirror_rate``.
        interocular: the two eye landmarks of the inter-ocular distance.
        thresholds: ``within`` radii (reporting frame).
        mirror_min: minimum own error of a mirrored prediction (reporting
            frame).
        scale: pixels -> reporting frame (70 / 96 for DVE's frame).

    Returns:
        dict: ``within_{t}px``, ``mirror_rate`` (over the landmarks with a
        partner; 0 if none has one) and ``far_rate``.
    """
    out = within_rates(landmark_errors(pred, gt, scale), thresholds)
    if flip_indices is not None:
        flags = mirror_flags(pred, gt, flip_indices, mirror_min, scale)
        paired = np.asarray(flip_indices) != np.arange(len(flip_indices))
        out['mirror_rate'] = (float(flags[:, paired].mean())
                              if paired.any() else 0.)
    out['far_rate'] = float(far_flags(pred, gt, interocular).mean())
    return out
