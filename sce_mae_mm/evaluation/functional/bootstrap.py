"""Bootstrap confidence intervals of means and of paired differences.

Every mean the metrics print (matching error over pairs, NME over test
images) comes with a 95 % interval from :func:`scipy.stats.bootstrap`
(BCa by default, percentile on request), resampling the units the mean is
over (pairs, images) with a fixed seed, so the same inputs give the same
interval. A paired difference (model - baseline on the same pairs)
resamples one set of indices for both arrays, so what the two share
cancels.

A degenerate sample (every value equal, e.g. a model and itself) has the
interval ``[value, value]``: BCa is undefined there and scipy returns NaN.
"""
from typing import Dict, Optional, Tuple

import numpy as np

#: defaults of every interval the project prints
CONFIDENCE = 0.95
N_RESAMPLES = 2000
METHOD = 'BCa'
SEED = 0


def _mean(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis)


def _weighted_mean(vw: np.ndarray, w: np.ndarray,
                   axis: int = -1) -> np.ndarray:
    return np.sum(vw, axis=axis) / np.sum(w, axis=axis)


def bootstrap_ci(values: np.ndarray,
                 weights: Optional[np.ndarray] = None,
                 confidence: float = CONFIDENCE,
                 n_resamples: int = N_RESAMPLES,
                 method: str = METHOD,
                 seed: int = SEED) -> Tuple[float, float]:
    """Interval of the mean of ``values`` over its first axis' units.

    Args:
        values: (N,) one value per unit (pair, image), or (N, ...) whose
            trailing axes are averaged per unit first.
        weights: (N,) optional weight of each unit (e.g. its number of
            visible landmarks): the mean is then sum(w x) / sum(w), and a
            resample draws (value, weight) together.
        confidence: the interval's level (0.95).
        n_resamples: bootstrap resamples (>= 2,000 where we report).
        method: ``'BCa'`` or ``'percentile'`` (scipy's names).
        seed: seed of the resampling (same inputs and seed, same interval).

    Returns:
        (low, high) floats.
    """
    x = _per_unit(values, 'values')
    if np.ptp(x) == 0:
        return float(x[0]), float(x[0])
    from scipy.stats import bootstrap
    if weights is None:
        data, statistic = (x,), _mean
    else:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.shape != x.shape or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f'bootstrap: weights must be {x.shape[0]} '
                             f'non-negative values with a positive sum, '
                             f'got shape {w.shape}')
        data, statistic = (x * w, w), _weighted_mean
    res = bootstrap(data, statistic, confidence_level=confidence,
                    n_resamples=n_resamples, method=method, vectorized=True,
                    paired=weights is not None,
                    random_state=np.random.default_rng(seed))
    return _interval(res, confidence)


def paired_difference(a: np.ndarray, b: np.ndarray,
                      confidence: float = CONFIDENCE,
                      n_resamples: int = N_RESAMPLES,
                      method: str = METHOD,
                      seed: int = SEED) -> Tuple[float, float, float]:
    """mean(a) - mean(b) on the same units, with its interval.

    Args:
        a, b: (N,) or (N, ...) per-unit values of the two variants on the
            same N units in the same order.
        confidence, n_resamples, method, seed: see :func:`bootstrap_ci`.

    Returns:
        (difference, low, high).
    """
    x, y = _per_unit(a, 'a'), _per_unit(b, 'b')
    if x.shape != y.shape:
        raise ValueError(f'paired_difference: a has {x.shape[0]} units and '
                         f'b {y.shape[0]}; a paired difference needs the '
                         'same units in both')
    low, high = bootstrap_ci(x - y, None, confidence, n_resamples, method,
                             seed)
    return float(np.mean(x) - np.mean(y)), low, high


def ratio_ci(a: np.ndarray, b: np.ndarray,
             weights: Optional[np.ndarray] = None,
             confidence: float = CONFIDENCE,
             n_resamples: int = N_RESAMPLES,
             method: str = METHOD,
             seed: int = SEED) -> Tuple[float, float, float]:
    """mean(a) / mean(b) on the same units (weighted means with
    ``weights``), with its interval; e.g. a head's NME over the mean
    shape's.

    Returns:
        (ratio, low, high).
    """
    x, y = _per_unit(a, 'a'), _per_unit(b, 'b')
    w = (np.ones_like(x) if weights is None else
         np.asarray(weights, dtype=np.float64).reshape(-1))
    if not x.shape == y.shape == w.shape or (w < 0).any() or (y * w).sum() <= 0:
        raise ValueError('ratio_ci: a, b and weights must hold the same '
                         f'units ({x.shape}, {y.shape}, {w.shape}) with a '
                         'positive weighted sum of b')
    ratio = float(np.sum(x * w) / np.sum(y * w))
    if np.ptp(x / np.where(y == 0, 1, y)) == 0 and np.all(y != 0):
        return ratio, ratio, ratio
    from scipy.stats import bootstrap
    res = bootstrap((x * w, y * w), _ratio, confidence_level=confidence,
                    n_resamples=n_resamples, method=method, vectorized=True,
                    paired=True, random_state=np.random.default_rng(seed))
    return (ratio, *_interval(res, confidence))


def _ratio(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.sum(a, axis=axis) / np.sum(b, axis=axis)


def ci_keys(key: str, values: np.ndarray, **kwargs) -> Dict[str, float]:
    """``{key}_ci_low`` and ``{key}_ci_high`` of the mean of ``values``."""
    low, high = bootstrap_ci(values, **kwargs)
    return {f'{key}_ci_low': low, f'{key}_ci_high': high}


def paired_keys(key: str, a: np.ndarray, b: np.ndarray,
                **kwargs) -> Dict[str, float]:
    """``{key}``, ``{key}_ci_low``, ``{key}_ci_high`` of mean(a) - mean(b)
    (see :func:`paired_difference`)."""
    diff, low, high = paired_difference(a, b, **kwargs)
    return {key: diff, f'{key}_ci_low': low, f'{key}_ci_high': high}


def verdict(low: float, high: float, better: str = 'below') -> str:
    """Whether an interval of a difference settles its sign.

    Args:
        low, high: the interval of (variant - reference).
        better: ``'below'`` when the claim is a negative difference (a
            lower error), ``'above'`` when it is a positive one.

    Returns:
        ``'met'`` (wholly on the claimed side of 0), ``'not established'``
        (it contains 0) or ``'NOT MET'`` (wholly on the other side).
    """
    if better not in ('below', 'above'):
        raise ValueError(f"verdict: better must be 'below' or 'above', got "
                         f'{better!r}')
    if not low <= high:
        raise ValueError(f'verdict: the interval [{low}, {high}] is not '
                         'ordered')
    lo, hi = (low, high) if better == 'below' else (-high, -low)
    if hi < 0:
        return 'met'
    if lo > 0:
        return 'NOT MET'
    return 'not established'


def format_ci(mean: float, low: Optional[float], high: Optional[float],
              digits: int = 2) -> str:
    """``'7.35 [6.90, 7.81]'`` (the mean alone where no interval)."""
    if low is None or high is None:
        return f'{mean:.{digits}f}'
    return f'{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]'


def _per_unit(values: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 0 or x.shape[0] < 2:
        raise ValueError(f'bootstrap: {name} needs at least 2 units along '
                         f'its first axis, got shape {x.shape}')
    x = x.reshape(x.shape[0], -1).mean(axis=1)
    if not np.all(np.isfinite(x)):
        raise ValueError(f'bootstrap: {name} holds non-finite values')
    return x


def _interval(res, confidence: float) -> Tuple[float, float]:
    low, high = res.confidence_interval
    if not (np.isfinite(low) and np.isfinite(high)):
        # BCa undefined (e.g. all but one value equal): percentile bounds
        tail = (1 - confidence) / 2
        low, high = np.quantile(res.bootstrap_distribution,
                                [tail, 1 - tail])
    return float(low), float(high)
