"""Silhouette coefficient and t-SNE of landmark descriptors (paper Fig. 5).

The paper embeds the descriptors of the test images' landmarks with t-SNE
and reports the silhouette coefficient of the landmark classes (mean ± std
over repeated runs). Both are written here in NumPy (no scikit-learn in our
stack): :func:`silhouette_score` is the textbook definition, :func:`tsne`
exact t-SNE (van der Maaten & Hinton 2008) with a perplexity-calibrated
Gaussian kernel, early exaggeration and momentum gradient descent, enough
for the few thousand points of a matching evaluation.
"""
from typing import Optional

import numpy as np

from ...dtypes import as_float64_array

__all__ = ['pairwise_distances', 'silhouette_score', 'tsne']


def pairwise_distances(x: np.ndarray, metric: str = 'euclidean'
                       ) -> np.ndarray:
    """Pairwise distances of the rows of ``x``.

    Args:
        x: (N, D) points, an array or tensor of any real dtype.
        metric: ``'euclidean'`` or ``'cosine'`` (1 - cosine similarity).

    Returns:
        (N, N) float64 distances, 0 on the diagonal.
    """
    x = as_float64_array(x, 'x', 'pairwise_distances')
    if metric == 'cosine':
        unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        dist = 1. - unit @ unit.T
    elif metric == 'euclidean':
        sq = (x * x).sum(1)
        dist = np.sqrt(np.maximum(sq[:, None] + sq[None] - 2 * x @ x.T, 0.))
    else:
        raise ValueError(f'{__file__}: metric must be "euclidean" or '
                         f'"cosine", got {metric!r}')
    np.fill_diagonal(dist, 0.)
    return np.maximum(dist, 0.)


def silhouette_score(x: np.ndarray, labels: np.ndarray,
                     metric: str = 'euclidean') -> float:
    """Mean silhouette coefficient ``(b - a) / max(a, b)`` of all points.

    ``a`` is a point's mean distance to the other points of its class,
    ``b`` the smallest mean distance to the points of another class; a point
    alone in its class scores 0 (Rousseeuw 1987).

    Args:
        x: (N, D) points, an array or tensor of any real dtype.
        labels: (N,) integer class of each point (at least 2 classes).
        metric: see :func:`pairwise_distances`.

    Returns:
        float in [-1, 1]; higher = tighter, better separated classes.
    """
    labels = np.asarray(labels).reshape(-1)
    x = as_float64_array(x, 'x', 'silhouette_score')
    if x.ndim != 2 or len(x) != len(labels):
        raise ValueError(f'{__file__}: expected points (N, D) and labels (N,)'
                         f', got {x.shape} and {labels.shape}')
    classes = np.unique(labels)
    if len(classes) < 2:
        raise ValueError(f'{__file__}: the silhouette needs at least 2 '
                         f'classes, got {len(classes)}')
    dist = pairwise_distances(x, metric)
    onehot = (labels[:, None] == classes[None]).astype(np.float64)  # (N, L)
    counts = onehot.sum(0)  # (L,)
    sums = dist @ onehot  # (N, L): summed distance to each class
    own = onehot.astype(bool)
    own_count = counts[np.argmax(own, 1)]
    a = sums[own] / np.maximum(own_count - 1, 1)
    mean_other = np.where(own, np.inf, sums / counts[None])
    b = mean_other.min(1)
    s = (b - a) / np.maximum(np.maximum(a, b), 1e-12)
    s[own_count <= 1] = 0.
    return float(s.mean())


def _conditional_probs(dist_sq: np.ndarray, perplexity: float,
                       tol: float = 1e-5, steps: int = 60) -> np.ndarray:
    """Row-wise Gaussian affinities whose entropy matches ``perplexity``."""
    n = len(dist_sq)
    target = np.log(perplexity)
    beta = np.ones(n)
    lo, hi = np.full(n, -np.inf), np.full(n, np.inf)
    d = dist_sq.copy()
    np.fill_diagonal(d, np.inf)
    for _ in range(steps):
        logits = -d * beta[:, None]
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(1, keepdims=True)
        entropy = -(p * np.log(np.maximum(p, 1e-300))).sum(1)
        diff = entropy - target
        if np.all(np.abs(diff) < tol):
            break
        up = diff > 0  # too flat: sharpen
        lo = np.where(up, beta, lo)
        hi = np.where(up, hi, beta)
        beta = np.where(np.isinf(hi), beta * 2,
                        np.where(np.isinf(lo), beta / 2, (lo + hi) / 2))
    return p


def tsne(x: np.ndarray, dim: int = 2, perplexity: float = 30.,
         iters: int = 500, seed: Optional[int] = 0,
         learning_rate: Optional[float] = None) -> np.ndarray:
    """Exact t-SNE embedding of the rows of ``x``.

    Args:
        x: (N, D) points (N >= 4), array or tensor of any real dtype.
        dim: embedding dimension.
        perplexity: effective neighbour count (clamped to (N - 1) / 3).
        iters: gradient steps (the first quarter with exaggeration 12).
        seed: seed of the initial layout.
        learning_rate: step size; default max(N / 12, 50).

    Returns:
        (N, dim) float64 embedding.
    """
    x = as_float64_array(x, 'x', 'tsne')
    n = len(x)
    if x.ndim != 2 or n < 4:
        raise ValueError(f'{__file__}: t-SNE needs (N >= 4, D) points, got '
                         f'{x.shape}')
    perplexity = min(perplexity, (n - 1) / 3.)
    dist_sq = pairwise_distances(x) ** 2
    p = _conditional_probs(dist_sq / max(np.median(dist_sq), 1e-12),
                           perplexity)
    p = (p + p.T) / (2 * n)
    p = np.maximum(p, 1e-12)
    rng = np.random.default_rng(seed)
    y = rng.normal(0., 1e-4, (n, dim))
    velocity = np.zeros_like(y)
    gains = np.ones_like(y)
    lr = learning_rate or max(n / 12., 50.)
    for step in range(iters):
        exaggeration = 12. if step < iters // 4 else 1.
        momentum = 0.5 if step < iters // 4 else 0.8
        sq = (y * y).sum(1)
        num = 1. / (1. + sq[:, None] + sq[None] - 2 * y @ y.T)  # (N, N)
        np.fill_diagonal(num, 0.)
        q = np.maximum(num / num.sum(), 1e-12)
        w = (exaggeration * p - q) * num  # (N, N)
        grad = 4. * (np.diag(w.sum(1)) - w) @ y
        same = np.sign(grad) == np.sign(velocity)
        gains = np.maximum(np.where(same, gains * 0.8, gains + 0.2), 0.01)
        velocity = momentum * velocity - lr * gains * grad
        y = y + velocity
        y -= y.mean(0)
    return y
