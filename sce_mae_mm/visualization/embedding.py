"""The t-SNE embedding of the test landmarks' descriptors (paper Fig. 5)."""
from typing import Dict, List, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..evaluation.functional import silhouette_score, tsne
from .canvas import new_figure


def landmark_embedding(pairs: List[Dict], seed: int = 0) -> Dict:
    """t-SNE of the targets' landmark descriptors of matching pairs.

    Args:
        pairs: from :func:`figures.collect_matching` (``same_landmarks`` and
            ``diff_landmarks`` (K, D) per pair).
        seed: t-SNE seed.

    Returns:
        dict: ``points`` (M, 2), ``labels`` (M,) landmark index,
        ``silhouette`` (of the embedding) and ``silhouette_desc`` (in
        descriptor space, cosine).
    """
    feats = np.concatenate([p[k] for p in pairs
                            for k in ('same_landmarks', 'diff_landmarks')])
    num = pairs[0]['same_landmarks'].shape[0]
    labels = np.tile(np.arange(num), len(feats) // num)
    points = tsne(feats, seed=seed)
    return dict(points=points, labels=labels,
                silhouette=silhouette_score(points, labels),
                silhouette_desc=silhouette_score(feats, labels, 'cosine'))


def plot_embedding(emb: Dict, names: Sequence[str],
                   title: str = '') -> Figure:
    """Scatter of a :func:`landmark_embedding`, one colour per landmark."""
    fig = new_figure((5, 5))
    ax = fig.subplots()
    for k, name in enumerate(names):
        sel = emb['labels'] == k
        ax.scatter(emb['points'][sel, 0], emb['points'][sel, 1], s=6,
                   label=name)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=7, markerscale=2)
    ax.set_title(f'{title}\nsilhouette: t-SNE {emb["silhouette"]:.3f}, '
                 f'descriptors {emb["silhouette_desc"]:.3f}', fontsize=9)
    fig.tight_layout()
    return fig
