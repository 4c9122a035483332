"""The quick start's tables and checks, and the learning-curve figure."""
import argparse
import importlib.util
from pathlib import Path

import pytest

from sce_mae_mm.visualization.learning_curve import plot_learning_curve

ROOT = Path(__file__).resolve().parents[1]


def _quickstart():
    spec = importlib.util.spec_from_file_location(
        'quickstart_tool', ROOT / 'tools' / 'quickstart.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _match(same, diff, base_same=3., base_diff=8.):
    return {'matching/same': same, 'matching/diff': diff,
            'matching/same_baseline': base_same,
            'matching/diff_baseline': base_diff,
            'matching/silhouette': 0.1}


def _args(**kw):
    return argparse.Namespace(num=3000, seed=0, long=False, **kw)


def test_report_checks_against_the_baselines():
    qs = _quickstart()
    good = qs.report(_args(), dict(raw=_match(1., 6.), sce=_match(.8, 5.)),
                     {'mafl': {'NME': 6., 'NME_mean_shape': 10.}}, 60.)
    assert 'NOT MET' not in good
    assert '| same-location baseline | 3.00 | 8.00 |' in good
    assert '| MAFL | 10.00 | 7.00 | 6.00 | 2.20 |' in good
    bad = qs.report(_args(), dict(raw=_match(1., 26.), sce=_match(2., 30.)),
                    {'mafl': {'NME': 7.5, 'NME_mean_shape': 10.}}, 60.)
    failed = [line for line in bad.splitlines() if 'NOT MET' in line]
    # raw and SCE-MAE above the diff baseline, SCE-MAE above raw, the head
    assert len(failed) == 4
    assert any('MAFL head' in line for line in failed)
    assert any('SCE-MAE below raw MAE' in line for line in failed)


def test_value_reads_prefixed_keys():
    qs = _quickstart()
    assert qs.value({'matching/diff': 2.5}, 'diff') == 2.5
    assert qs.value({'NME': 4.}, 'NME') == 4.
    with pytest.raises(KeyError, match='NME_mean_shape'):
        qs.value({'NME': 4.}, 'NME_mean_shape')


def test_learning_curve_png(tmp_path):
    points = [dict(images_seen=n, raw_same=2., raw_diff=20., sce_same=1.5,
                   sce_diff=15., nme=12.) for n in (100, 200, 400)]
    out = tmp_path / 'curve.png'
    plot_learning_curve(points, dict(same=3., diff=8., nme=16.), str(out))
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    with pytest.raises(ValueError, match='no points'):
        plot_learning_curve([], {}, str(out))


def test_interrupted_runs_are_not_final():
    qs = _quickstart()
    cfg = 'configs/synthetic/sce_mae_deit_t_stage1_synthetic.py'
    assert qs.is_final('work_dirs/x/stage1/epoch_24.pth', cfg)
    assert not qs.is_final('work_dirs/x/stage1/epoch_6.pth', cfg)
    assert qs.is_final('epoch_30.pth', cfg.replace('.py', '_long.py'))
