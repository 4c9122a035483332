"""Bootstrap intervals of means and paired differences, the three-way
verdict, and the interval keys of the matching and NME metrics."""
import numpy as np
import pytest

from sce_mae_mm.evaluation.functional.bootstrap import (bootstrap_ci,
                                                        format_ci,
                                                        paired_difference,
                                                        ratio_ci, verdict)


def _errors(n, seed, loc=8.0):
    return np.random.default_rng(seed).gamma(2.0, loc / 2.0, size=n)


def test_identical_inputs_give_exactly_zero():
    a = _errors(60, 1)
    assert paired_difference(a, a.copy()) == (0.0, 0.0, 0.0)


def test_a_constant_sample_has_a_point_interval():
    assert bootstrap_ci(np.full(10, 3.5)) == (3.5, 3.5)


def test_the_interval_holds_the_mean_and_narrows_with_more_pairs():
    values = _errors(500, 2)
    widths = []
    for n in (50, 500):
        low, high = bootstrap_ci(values[:n])
        assert low < values[:n].mean() < high
        widths.append(high - low)
    assert widths[1] < widths[0]


def test_a_known_shift_lies_inside_its_interval():
    base = _errors(500, 3)
    model = base - 0.7 + np.random.default_rng(4).normal(0, 2.0, 500)
    diff, low, high = paired_difference(model, base)
    assert low < -0.7 < high
    assert low < diff < high
    assert verdict(low, high) == 'met'


def test_the_seed_makes_the_interval_reproducible():
    values = _errors(80, 5)
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    assert bootstrap_ci(values, seed=3) != bootstrap_ci(values, seed=4)


def test_percentile_method_and_weights():
    values = _errors(100, 6)
    low, high = bootstrap_ci(values, method='percentile')
    assert low < values.mean() < high
    weights = np.ones(100)
    assert bootstrap_ci(values, weights) == pytest.approx(
        bootstrap_ci(values, np.full(100, 2.0)))


def test_ratio_of_means():
    base = _errors(300, 7, loc=16.0)
    head = 0.5 * base + np.random.default_rng(8).normal(0, 1.0, 300)
    ratio, low, high = ratio_ci(head, base)
    assert ratio == pytest.approx(head.mean() / base.mean())
    assert low < ratio < high < 0.7


@pytest.mark.parametrize('low,high,better,expected', [
    (-2.0, -0.1, 'below', 'met'), (-1.0, 0.5, 'below', 'not established'),
    (0.2, 1.0, 'below', 'NOT MET'), (0.2, 1.0, 'above', 'met'),
    (-1.0, -0.2, 'above', 'NOT MET'), (0.0, 0.0, 'below', 'not established'),
])
def test_verdict(low, high, better, expected):
    assert verdict(low, high, better) == expected


def test_bad_input_is_named():
    with pytest.raises(ValueError, match='at least 2 units'):
        bootstrap_ci(np.array([1.0]))
    with pytest.raises(ValueError, match='same units'):
        paired_difference(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match='non-finite'):
        bootstrap_ci(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match='not ordered'):
        verdict(1.0, 0.0)


def test_format_ci():
    assert format_ci(7.351, 6.9, 7.81) == '7.35 [6.90, 7.81]'
    assert format_ci(7.351, None, None) == '7.35'


def _pair_samples(n, seed, offset=0.0):
    """``n`` fake 5-landmark pairs: ground truth, source and predictions
    with errors that shrink by ``offset`` px."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        gt = rng.uniform(20, 70, (5, 2))
        src = gt + rng.normal(0, 6, (5, 2))
        pred = gt + rng.normal(0, 3, (5, 2)) + offset
        out.append(dict(pair_id=i, src_keypoints=src, same_keypoints=gt,
                        diff_keypoints=gt, pred_same_keypoints=pred,
                        pred_diff_keypoints=pred))
    return out


def _evaluate(samples, **kwargs):
    from sce_mae_mm.evaluation.metrics import MAFLMatchingMetric
    metric = MAFLMatchingMetric(flip_indices=[1, 0, 2, 4, 3], **kwargs)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_matching_metric_intervals_and_paired_keys():
    res = _evaluate(_pair_samples(40, 0))
    for key in ('diff', 'diff_baseline', 'same'):
        assert res[f'matching/{key}_ci_low'] < res[f'matching/{key}'] < \
            res[f'matching/{key}_ci_high']
    diff = res['matching/diff'] - res['matching/diff_baseline']
    assert res['matching/diff_minus_baseline'] == pytest.approx(diff)
    assert res['matching/diff_minus_baseline_ci_high'] < 0
    assert _evaluate(_pair_samples(40, 0), ci=None).keys() <= res.keys()
    assert not any(k.endswith('_ci_low') for k in _evaluate(
        _pair_samples(40, 0), ci=None))


def test_matching_metric_reference_run_on_the_same_pairs(tmp_path):
    path = str(tmp_path / 'raw' / 'per_pair.npz')
    ref = _evaluate(_pair_samples(30, 1), per_pair_file=path)
    # the second run sees the pairs in another order: aligned by pair id
    samples = _pair_samples(30, 1)[::-1]
    res = _evaluate(samples, reference_file=path, reference_name='raw_mae')
    assert res['matching/diff_minus_raw_mae'] == pytest.approx(
        res['matching/diff'] - ref['matching/diff'])
    assert res['matching/diff_minus_raw_mae_ci_low'] == 0.0 == \
        res['matching/diff_minus_raw_mae_ci_high']
    with pytest.raises(ValueError, match='other pairs'):
        _evaluate(_pair_samples(20, 1), reference_file=path)
    with pytest.raises(FileNotFoundError, match='no per-pair errors'):
        _evaluate(samples, reference_file=str(tmp_path / 'none.npz'))


def test_nme_intervals_and_ratio():
    from sce_mae_mm.evaluation.metrics.input_frame_nme import (
        nme_percent, per_image_nme)
    rng = np.random.default_rng(9)
    gt = rng.uniform(20, 70, (50, 5, 2))
    pred = gt + rng.normal(0, 2, gt.shape)
    vis = rng.uniform(size=(50, 5)) > 0.1
    means, counts = per_image_nme(pred, gt, vis, [0, 1])
    assert np.sum(means * counts) / np.sum(counts) == pytest.approx(
        nme_percent(pred, gt, vis, [0, 1]))
    low, high = bootstrap_ci(means, counts)
    assert low < nme_percent(pred, gt, vis, [0, 1]) < high
