"""The across-seed table and the DVE-rule decomposition table, from
metrics as the tools write them."""
import json

from sce_mae_mm.benchmark import across_seeds
from sce_mae_mm.benchmark.tables import DETECTION


def _sce(diff, low, high):
    return {'matching/diff': diff, 'matching/diff_baseline': 8.0,
            'matching/diff_ci_low': diff - 0.3,
            'matching/diff_ci_high': diff + 0.3,
            'matching/diff_minus_baseline': diff - 8.0,
            'matching/diff_minus_baseline_ci_low': low,
            'matching/diff_minus_baseline_ci_high': high,
            'matching/diff_dve': diff + 1.0,
            'matching/diff_mirror_rate': 0.1, 'matching/diff_far_rate': 0.05}


def _run(diff, low, high):
    det = {k: {'NME': 6.0, 'NME_mean_shape': 10.0} for k in DETECTION}
    return dict(sce=_sce(diff, low, high), raw={'matching/diff': 16.0},
                **det)


def test_table_counts_the_seeds_that_cross():
    runs = {100: _run(7.0, -1.4, -0.6), 101: _run(8.1, -0.2, 0.4),
            102: _run(9.0, 0.5, 1.5)}
    runs[100]['mafl'].update(NME_over_mean_shape=0.6,
                             NME_over_mean_shape_ci_low=0.55,
                             NME_over_mean_shape_ci_high=0.65)
    text = across_seeds.table(runs, long=False)
    assert '| 0.60 [0.55, 0.65] | 0.60 |' in text  # an interval where held
    assert '| seeds crossing (ours rule, interval below 0) | 1 of 3 |' in text
    assert '| 101 | 8.10 [7.80, 8.40] | 16.00 | 8.00 |' in text
    assert 'not established' in text and 'NOT MET' in text
    assert '| SCE-MAE diff | 8.03 | 1.00 |' in text
    # the DVE rule has no interval here: no verdict, counted as not crossing
    assert "| seeds crossing (DVE's rule, interval below 0) | 0 of 3 |" in text


def test_landmark_table_locates_the_loss():
    runs = {100: _run(7.0, -1.4, -0.6), 101: _run(8.1, -0.2, 0.4)}
    for m, eye in ((runs[100]['sce'], 4.8), (runs[101]['sce'], 8.05)):
        m.update({'matching/diff_left_eye': eye,
                  'matching/diff_baseline_left_eye': 6.9,
                  'matching/diff_nose': 7.5,
                  'matching/diff_baseline_nose': 8.0,
                  'matching/diff_baseline_mirror_rate': 0.06,
                  'matching/diff_baseline_within_3px': 0.1})
    text = across_seeds.table(runs, long=False)
    assert '| seed | left_eye | nose |' in text
    assert '| 101 | 8.05 (6.90) | 7.50 (8.00) |' in text
    assert across_seeds.landmark_names({'matching/diff_x': 1.}) == []


def test_read_seed_waits_for_every_metrics_file(tmp_path, monkeypatch):
    monkeypatch.setattr(across_seeds, 'ROOT', str(tmp_path))
    wd = tmp_path / across_seeds.work_dir(101, False)
    assert across_seeds.read_seed(101, False) is None
    for sub in ['matching', 'matching_raw',
                *(f'det_{k}/test' for k in DETECTION)]:
        (wd / sub).mkdir(parents=True)
        (wd / sub / 'metrics.json').write_text(json.dumps({'x': 1.0}))
    assert set(across_seeds.read_seed(101, False)) == {'sce', 'raw',
                                                       *DETECTION}


def test_dve_rule_table_names_each_difference():
    from sce_mae_mm.studies import dve_rule
    m = dict(_sce(7.0, -1.0, -0.5), **{
        'matching/diff_minus_ours': 1.2,
        'matching/diff_minus_ours_ci_low': 0.8,
        'matching/diff_minus_ours_ci_high': 1.6})
    results = {kind: {v: m for v in dve_rule.VARIANTS}
               for kind in dve_rule.FEATURES}
    text = dve_rule.table(results, seed=0)
    for variant in dve_rule.VARIANTS:
        assert f'| SCE-MAE | {variant} | 7.00 [6.70, 7.30] |' in text
    assert '1.20 [0.80, 1.60]' in text
