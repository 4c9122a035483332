"""Silhouette of the landmark descriptors of a matching run (paper Fig. 5)."""
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpose.registry import METRICS

from ...dtypes import as_float64_array
from ..functional.silhouette import silhouette_score, tsne

_WHERE = 'LandmarkSilhouetteMetric'


@METRICS.register_module()
class LandmarkSilhouetteMetric(BaseMetric):
    """How well the descriptors of the test landmarks cluster by landmark.

    Reads ``{g}_landmark_descriptors`` (K, D), the descriptors of each
    target image at its ground-truth landmarks (written by
    :class:`LandmarkMatcher`), for every group ``g`` in ``groups``; every
    descriptor is labelled by its landmark index. Reports the silhouette
    coefficient in descriptor space (cosine distance) and, as the paper's
    Fig. 5, the silhouette of ``tsne_runs`` 2-D t-SNE embeddings with
    different seeds (mean and std).

    Keys: ``{prefix}/silhouette``, ``{prefix}/tsne_silhouette_mean``,
    ``{prefix}/tsne_silhouette_std``.

    Args:
        groups (Sequence[str]): target images whose landmarks are used.
        tsne_runs (int): t-SNE runs (0: none).
        max_points (int): most descriptors embedded by t-SNE (an evenly
            spaced subset beyond that; t-SNE is O(N^2)).
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): key prefix, default ``'matching'``.
    """

    default_prefix: Optional[str] = 'matching'

    def __init__(self,
                 groups: Sequence[str] = ('same', 'diff'),
                 tsne_runs: int = 3,
                 max_points: int = 1500,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if tsne_runs < 0 or max_points < 4:
            raise ValueError(f'{_WHERE}: tsne_runs must be >= 0 and '
                             f'max_points >= 4, got {tsne_runs}, '
                             f'{max_points}')
        self.groups = tuple(groups)
        self.tsne_runs = tsne_runs
        self.max_points = max_points

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Keep each target's landmark descriptors (K, D)."""
        for sample in data_samples:
            for group in self.groups:
                key = f'{group}_landmark_descriptors'
                if key not in sample:
                    raise KeyError(f'{_WHERE}: data sample lacks {key!r} '
                                   f'(has {sorted(sample)}); run it through '
                                   'LandmarkMatcher.predict')
                self.results.append(
                    as_float64_array(sample[key], key, _WHERE))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Silhouette in descriptor space and of the t-SNE embeddings."""
        if not results:
            raise ValueError(f'{_WHERE}: no results to evaluate')
        feats = np.concatenate(results, 0)  # (M * K, D)
        num = results[0].shape[0]
        labels = np.tile(np.arange(num), len(results))
        metrics = dict(silhouette=silhouette_score(feats, labels, 'cosine'))
        if self.tsne_runs:
            keep = np.linspace(0, len(feats) - 1,
                               min(len(feats), self.max_points)).astype(int)
            unit = feats[keep] / np.maximum(
                np.linalg.norm(feats[keep], axis=1, keepdims=True), 1e-12)
            scores = [
                silhouette_score(tsne(unit, seed=seed), labels[keep])
                for seed in range(self.tsne_runs)
            ]
            metrics['tsne_silhouette_mean'] = float(np.mean(scores))
            metrics['tsne_silhouette_std'] = float(np.std(scores))
        print_log(
            'landmark descriptors: silhouette ' + ', '.join(
                f'{k} {v:.3f}' for k, v in metrics.items()),
            logger='current')
        return metrics
