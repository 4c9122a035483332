"""Density-peak clustering (Eq. 2-3) against a plain double-loop version."""
import math

import pytest
import torch

from sce_mae_mm.models.utils import attentive_split, density_peak_cluster
from sce_mae_mm.models.utils.density_peak_clustering import (
    log_density, pairwise_token_distances, separation)


def reference_dpc(tokens, mask, num_clusters, k, density):
    """Eq. 2-3 for one image with Python loops (float64).

    Returns (log_rho, delta, centres, assignment) as dicts / lists keyed by
    token index; only participating tokens appear.
    """
    tokens = tokens.double().tolist()
    channels = len(tokens[0])
    idx = [i for i, m in enumerate(mask.tolist()) if m]

    def dist(i, j):
        sq = sum((a - b)**2 for a, b in zip(tokens[i], tokens[j]))
        return math.sqrt(sq) / math.sqrt(channels)

    log_rho = {}
    for i in idx:
        sq = sorted(dist(i, j)**2 for j in idx)
        if density == 'knn':
            near = sq[:k]  # the token itself (distance 0) included
            log_rho[i] = -sum(near) / len(near)
        else:
            log_rho[i] = -sum(sq)
    delta = {}
    for i in idx:
        higher = [dist(i, j) for j in idx if log_rho[j] > log_rho[i]]
        delta[i] = min(higher) if higher else max(dist(i, j) for j in idx)
    # rho * delta ranked in log space (same order as the product)
    score = {i: math.exp(log_rho[i]) * delta[i] for i in idx}
    centres = sorted(idx, key=lambda i: -score[i])[:num_clusters]
    assignment = [-1] * len(tokens)
    for i in idx:
        if i in centres:
            assignment[i] = centres.index(i)
        else:
            assignment[i] = min(
                range(num_clusters), key=lambda c: dist(i, centres[c]))
    return log_rho, delta, centres, assignment


def _random_masks(gen, batch, num, counts):
    mask = torch.zeros(batch, num, dtype=torch.bool)
    for b, count in enumerate(counts):
        mask[b, torch.randperm(num, generator=gen)[:count]] = True
    return mask


@pytest.mark.parametrize('density', ['knn', 'all'])
def test_matches_double_loop_with_varying_masks(density):
    gen = torch.Generator().manual_seed(0)
    batch, num, channels, clusters, k = 3, 24, 8, 4, 5
    tokens = torch.randn(batch, num, channels, generator=gen)
    # a different number of participating tokens per image, one below k
    mask = _random_masks(gen, batch, num, [24, 13, 4])
    centres, assignment = density_peak_cluster(
        tokens, clusters, k=k, mask=mask, density=density, tie_break=0.)
    dist = pairwise_token_distances(tokens.double())
    log_rho = log_density(dist, mask, k, density)
    delta = separation(dist, log_rho, mask)
    assert centres.shape == (batch, clusters)
    assert assignment.shape == (batch, num)
    for b in range(batch):
        ref_rho, ref_delta, ref_centres, ref_assign = reference_dpc(
            tokens[b], mask[b], clusters, k, density)
        for i, value in ref_rho.items():
            assert log_rho[b, i].item() == pytest.approx(value, abs=1e-5)
            assert delta[b, i].item() == pytest.approx(
                ref_delta[i], abs=1e-5)
        assert centres[b].tolist() == ref_centres
        assert assignment[b].tolist() == ref_assign


def test_float32_tokens_agree_with_float64_reference():
    gen = torch.Generator().manual_seed(1)
    tokens = torch.randn(2, 30, 16, generator=gen)
    mask = _random_masks(gen, 2, 30, [25, 18])
    dist = pairwise_token_distances(tokens)
    log_rho = log_density(dist, mask, 5, 'knn')
    for b in range(2):
        ref_rho, _, ref_centres, ref_assign = reference_dpc(
            tokens[b], mask[b], 4, 5, 'knn')
        for i, value in ref_rho.items():
            assert log_rho[b, i].item() == pytest.approx(value, abs=1e-5)
    centres, assignment = density_peak_cluster(
        tokens, 4, mask=mask, tie_break=0.)
    for b in range(2):
        _, _, ref_centres, ref_assign = reference_dpc(
            tokens[b], mask[b], 4, 5, 'knn')
        assert centres[b].tolist() == ref_centres
        assert assignment[b].tolist() == ref_assign


def test_densest_token_delta_is_its_largest_distance():
    gen = torch.Generator().manual_seed(2)
    tokens = torch.randn(2, 16, 4, generator=gen)
    # a tight blob of 5 tokens makes the densest token unambiguous
    tokens[:, :5] = 0.01 * tokens[:, :5]
    mask = torch.ones(2, 16, dtype=torch.bool)
    mask[1, 10:] = False
    dist = pairwise_token_distances(tokens)
    log_rho = log_density(dist, mask, 5, 'knn')
    delta = separation(dist, log_rho, mask)
    for b in range(2):
        rho_b = log_rho[b].masked_fill(~mask[b], -math.inf)
        densest = int(rho_b.argmax())
        assert densest < 5
        farthest = dist[b, densest][mask[b]].max()
        assert delta[b, densest].item() == pytest.approx(
            farthest.item(), abs=1e-6)
        # every other participating token has a denser neighbour closer
        others = mask[b].clone()
        others[densest] = False
        assert bool((delta[b][others] <= farthest + 1e-6).all())


def test_centres_are_participating_and_self_assigned():
    gen = torch.Generator().manual_seed(3)
    tokens = torch.randn(4, 144, 32, generator=gen)
    mask = ~attentive_split(torch.rand(4, 144, generator=gen), 0.1)
    centres, assignment = density_peak_cluster(tokens, 4, mask=mask)
    assert bool(mask.gather(1, centres).all())
    assert bool((assignment[~mask] == -1).all())
    assert bool((assignment[mask] >= 0).all())
    assert bool((assignment[mask] < 4).all())
    own = assignment.gather(1, centres)
    assert own.tolist() == [[0, 1, 2, 3]] * 4
    # every non-centre token joins its nearest centre
    dist = pairwise_token_distances(tokens)
    to_centre = dist.gather(2, centres[:, None, :].expand(-1, 144, -1))
    nearest = to_centre.min(-1).values
    chosen = to_centre.gather(2, assignment.clamp_min(0)[..., None])[..., 0]
    assert torch.allclose(chosen[mask], nearest[mask])


def test_identical_tokens_still_give_distinct_centres():
    tokens = torch.ones(2, 10, 6)
    gen = torch.Generator().manual_seed(0)
    centres, assignment = density_peak_cluster(tokens, 3, generator=gen)
    for b in range(2):
        assert len(set(centres[b].tolist())) == 3
        assert assignment[b, centres[b]].tolist() == [0, 1, 2]


def test_all_token_form_does_not_underflow():
    # exp(-sum) underflows for realistic sizes; the ranking must not
    gen = torch.Generator().manual_seed(4)
    tokens = 10 * torch.randn(1, 144, 64, generator=gen)
    tokens[0, :20] = 0.
    centres, _ = density_peak_cluster(tokens, 4, density='all', tie_break=0.)
    dist = pairwise_token_distances(tokens)
    mask = torch.ones(1, 144, dtype=torch.bool)
    log_rho = log_density(dist, mask, 5, 'all')
    assert bool(torch.isfinite(log_rho).all())
    assert math.exp(log_rho.max().item()) == 0.  # the raw form underflows
    assert int(centres[0, 0]) < 20  # densest blob still found (delta = max)


def test_too_many_clusters_raises():
    tokens = torch.randn(2, 12, 4)
    mask = torch.zeros(2, 12, dtype=torch.bool)
    mask[0, :6] = True
    mask[1, :3] = True
    with pytest.raises(ValueError, match='larger than the number of '
                       'participating tokens.*image 1'):
        density_peak_cluster(tokens, 4, mask=mask)


@pytest.mark.parametrize('kwargs, match', [
    (dict(density='gauss'), 'density must be one of'),
    (dict(num_clusters=0), 'num_clusters must be a positive integer'),
    (dict(k=0), 'k must be a positive integer'),
    (dict(mask=torch.ones(2, 5, dtype=torch.bool)), 'bool mask of shape'),
])
def test_bad_arguments_raise(kwargs, match):
    args = dict(tokens=torch.randn(2, 12, 4), num_clusters=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        density_peak_cluster(**args)


def test_attentive_split_selects_top_scores():
    gen = torch.Generator().manual_seed(5)
    scores = torch.rand(3, 144, generator=gen).softmax(-1)
    mask = attentive_split(scores, 0.1)
    assert mask.sum(-1).tolist() == [14] * 3  # round(14.4)
    threshold = scores.masked_fill(~mask, 2.).min(-1).values
    rest = scores.masked_fill(mask, -1.).max(-1).values
    assert bool((threshold > rest).all())
    assert attentive_split(scores, 0.25).sum(-1).tolist() == [36] * 3
    assert attentive_split(scores, 1e-4).sum(-1).tolist() == [1] * 3
    with pytest.raises(ValueError, match='eta must be in'):
        attentive_split(scores, 0.)
