"""Silhouette coefficient, t-SNE and the landmark-silhouette metric."""
import numpy as np
import pytest
import torch

from sce_mae_mm.evaluation.functional.silhouette import (pairwise_distances,
                                                         silhouette_score,
                                                         tsne)
from sce_mae_mm.evaluation.metrics import LandmarkSilhouetteMetric


def _loop_silhouette(x, labels):
    """Rousseeuw's definition, one point at a time."""
    dist = np.linalg.norm(x[:, None] - x[None], axis=-1)
    scores = []
    for i in range(len(x)):
        own = labels == labels[i]
        if own.sum() == 1:
            scores.append(0.)
            continue
        a = dist[i, own].sum() / (own.sum() - 1)
        b = min(dist[i, labels == k].mean() for k in np.unique(labels)
                if k != labels[i])
        scores.append((b - a) / max(a, b))
    return float(np.mean(scores))


def test_silhouette_equals_loop():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 60)
    labels[0] = 5  # a class of one point scores 0
    x = rng.normal(size=(60, 3)) + labels[:, None]
    assert silhouette_score(x, labels) == pytest.approx(
        _loop_silhouette(x, labels), abs=1e-12)


def test_silhouette_separated_vs_random():
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(5), 40)
    centres = rng.normal(0, 10, (5, 16))
    tight = centres[labels] + rng.normal(0, 0.1, (200, 16))
    assert silhouette_score(tight, labels) > 0.95
    assert abs(silhouette_score(rng.normal(size=(200, 16)), labels)) < 0.05
    with pytest.raises(ValueError, match='at least 2 classes'):
        silhouette_score(tight, np.zeros(200, int))


def test_cosine_distance():
    x = np.array([[1., 0.], [2., 0.], [0., 3.]])
    d = pairwise_distances(x, 'cosine')
    np.testing.assert_allclose(d, [[0, 0, 1], [0, 0, 1], [1, 1, 0]],
                               atol=1e-12)
    with pytest.raises(ValueError, match='metric'):
        pairwise_distances(x, 'manhattan')


def test_tsne_keeps_clusters():
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(4), 30)
    x = rng.normal(0, 6, (4, 20))[labels] + rng.normal(0, 1, (120, 20))
    y = tsne(x, iters=300, seed=0)
    assert y.shape == (120, 2) and np.isfinite(y).all()
    assert silhouette_score(y, labels) > 0.6
    np.testing.assert_array_equal(y, tsne(x, iters=300, seed=0))


def test_metric_orders_good_and_bad_descriptors():
    rng = np.random.default_rng(3)
    protos = rng.normal(size=(5, 8))

    def samples(noise):
        return [{
            f'{g}_landmark_descriptors':
            torch.as_tensor(protos + rng.normal(0, noise, (5, 8)))
            for g in ('same', 'diff')
        } for _ in range(20)]

    scores = []
    for noise in (0.05, 3.):
        metric = LandmarkSilhouetteMetric(tsne_runs=2)
        metric.process({}, samples(noise))
        scores.append(metric.compute_metrics(metric.results))
    assert scores[0]['silhouette'] > 0.9 > 0.2 > scores[1]['silhouette']
    assert scores[0]['tsne_silhouette_mean'] > scores[1][
        'tsne_silhouette_mean']
    assert scores[0]['tsne_silhouette_std'] >= 0.
    metric = LandmarkSilhouetteMetric()
    with pytest.raises(KeyError, match='same_landmark_descriptors'):
        metric.process({}, [{'diff_landmark_descriptors': np.zeros((5, 2))}])


def test_landmark_descriptors_match_upsampled_map():
    from mmpose.structures import PoseDataSample

    from sce_mae_mm.evaluation.functional.matching import (sample_descriptors,
                                                           upsample_features)
    from sce_mae_mm.models.pose_estimators.matcher import LandmarkMatcher
    rng = np.random.default_rng(4)
    desc = torch.as_tensor(rng.normal(size=(2, 6, 12, 12)), dtype=torch.float)
    kpts = rng.integers(0, 96, (2, 5, 2)).astype(np.float32)
    samples = []
    for k in kpts:
        s = PoseDataSample()
        s.set_metainfo(dict(same_keypoints=k))
        samples.append(s)
    got = LandmarkMatcher.landmark_descriptors(desc, samples,
                                               'same_keypoints', (96, 96))
    full = upsample_features(desc, (96, 96))
    want = torch.nn.functional.normalize(
        sample_descriptors(full, torch.as_tensor(kpts)), dim=-1)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_landmark_embedding_figure(tmp_path):
    from sce_mae_mm.visualization.embedding import (landmark_embedding,
                                                    plot_embedding)
    from sce_mae_mm.visualization.figures import save
    rng = np.random.default_rng(5)
    protos = rng.normal(size=(5, 8))
    pairs = [dict(same_landmarks=protos + rng.normal(0, .05, (5, 8)),
                  diff_landmarks=protos + rng.normal(0, .05, (5, 8)))
             for _ in range(12)]
    emb = landmark_embedding(pairs)
    assert emb['points'].shape == (120, 2)
    assert emb['silhouette'] > 0.5 and emb['silhouette_desc'] > 0.9
    out = save(plot_embedding(emb, [f'k{i}' for i in range(5)]),
               str(tmp_path / 'f5.png'))
    assert open(out, 'rb').read(4) == b'\x89PNG'
