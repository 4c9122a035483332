"""The quick start's tables and checks, and the learning-curve figure."""
import argparse
import os
from pathlib import Path

import pytest

from sce_mae_mm.visualization.learning_curve import plot_learning_curve

ROOT = Path(__file__).resolve().parents[1]


def _quickstart():
    """The quick start's logic (``tools/quickstart.py`` calls it)."""
    from sce_mae_mm.benchmark import quickstart
    return quickstart


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
    assert '| MAFL | 10.00 | 7.00 | 6.00 | 0.60 | 2.20 |' in good
    bad = qs.report(_args(), dict(raw=_match(1., 26.), sce=_match(2., 30.)),
                    {'mafl': {'NME': 7.5, 'NME_mean_shape': 10.}}, 60.)
    failed = [line for line in bad.splitlines() if 'NOT MET' in line]
    # raw and SCE-MAE above the diff baseline, SCE-MAE above raw, the head
    assert len(failed) == 4
    assert any('MAFL head' in line for line in failed)
    assert any('SCE-MAE below raw MAE' in line for line in failed)


def test_checks_read_the_intervals():
    """met / not established / NOT MET from the paired intervals."""
    qs = _quickstart()
    sce = dict(_match(.8, 7.), **{
        'matching/diff_minus_baseline': -1.0,
        'matching/diff_minus_baseline_ci_low': -1.5,
        'matching/diff_minus_baseline_ci_high': -0.4,
        'matching/diff_minus_raw_mae': -9.0,
        'matching/diff_minus_raw_mae_ci_low': -10.0,
        'matching/diff_minus_raw_mae_ci_high': -8.0,
        'matching/diff_dve': 8.1,
        'matching/diff_dve_minus_baseline': 0.1,
        'matching/diff_dve_minus_baseline_ci_low': -0.3,
        'matching/diff_dve_minus_baseline_ci_high': 0.5})
    det = {'mafl': {'NME': 7.5, 'NME_mean_shape': 10.,
                    'NME_over_mean_shape': 0.75,
                    'NME_over_mean_shape_ci_low': 0.72,
                    'NME_over_mean_shape_ci_high': 0.78}}
    text = qs.report(_args(), dict(raw=_match(1., 16.), sce=sce), det, 60.)
    lines = {line.split(':')[0]: line for line in text.splitlines()
             if line.startswith('- [')}
    diff = [v for k, v in lines.items() if 'SCE-MAE below the same-location '
            'baseline (diff)' in k][0]
    assert diff.endswith('— met') and '-1.00 [-1.50, -0.40]' in diff
    dve = [v for k, v in lines.items() if "DVE's rule" in k][0]
    assert dve.endswith('— not established')
    head = [v for k, v in lines.items() if 'MAFL head' in k][0]
    assert head.endswith('— NOT MET')


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
    assert qs.is_final('work_dirs/x/stage1/epoch_3.pth', cfg)
    assert not qs.is_final('work_dirs/x/stage1/epoch_2.pth', cfg)
    assert qs.is_final('epoch_10.pth', cfg.replace('.py', '_long.py'))


def _report():
    from sce_mae_mm.benchmark import tables
    return tables


def _fit():
    from sce_mae_mm.benchmark import curve_fit
    return curve_fit


def test_fit_crossing_by_hand():
    rep = _fit()
    # diff error = 40 - 5 * log10(images): crosses 10 px at 10**6 images
    points = [dict(images_seen=10**k, sce_diff=40. - 5 * k)
              for k in (3, 4, 5)]
    fit = rep.fit_crossing(points, 'sce_diff', 10.)
    assert fit['slope'] == pytest.approx(-5.)
    assert fit['slope_se'] == pytest.approx(0., abs=1e-9)
    assert fit['crossing'] == pytest.approx(1e6, rel=1e-6)
    text = rep.crossing_text('SCE-MAE', fit)
    assert '1,000,000 images' in text and 'H200' in text
    # a rising curve never crosses; too few points is an error
    rising = [dict(images_seen=10**k, sce_diff=20. + k) for k in (3, 4, 5)]
    assert rep.fit_crossing(rising, 'sce_diff', 10.)['crossing'] is None
    with pytest.raises(ValueError, match='2 points'):
        rep.fit_crossing(points[:2], 'sce_diff', 10.)


def test_curve_rows_write_images_seen_in_full():
    rep = _report()
    points = [dict(images_seen=312000, raw_same=1., raw_diff=20.,
                   sce_same=.9, sce_diff=18., nme_mafl=12.)]
    rows = rep.curve_rows(points, dict(same=3., diff=8., nme_mafl=16.))
    assert rows[-1].startswith('| 312,000 | 1.00 | 20.00 | 0.90 | 18.00 |')
    assert rows[-1].endswith('| 12.00 |')
    assert rows[2].startswith('| baseline | 3.00 | 8.00 |')


def test_timings_table_shares():
    rep = _report()
    rows = rep.timings_rows(dict(
        steps=dict(stage1=600., detection=200.), total_s=1000.,
        stage1_images_seen=28416, stage1_share=0.6, threads=2, cores=2,
        bf16=True))
    assert '| stage1 | 600 | 60 % |' in rows
    assert '28,416 images seen, 60 % of the wall time' in rows[-1]


def test_breakdown_rows_from_metric_keys():
    rep = _report()
    m = {f'matching/{g}{b}_{k}': v for g in ('same', 'diff')
         for b in ('', '_baseline') for k, v in (
             ('within_1px', .1), ('within_3px', .3), ('within_5px', .5),
             ('mirror_rate', .25), ('far_rate', .05))}
    rows = rep.breakdown_rows(m, m)
    assert '| SCE-MAE | diff | 0.100 | 0.300 | 0.500 | 0.250 | 0.050 |' in \
        rows


STAGE1 = 'configs/synthetic/sce_mae_deit_t_stage1_synthetic.py'


def _tiny_stage1(tmp_path, extra: str = '') -> str:
    """A stage-1 config of the quick start's, shrunk: 16 faces, batch 2,
    2 epochs of 8 iterations, resume point every epoch."""
    path = tmp_path / f'stage1{"_kill" if extra else ""}.py'
    path.write_text(
        f"_base_ = ['{ROOT / STAGE1}']\n"
        "train_dataloader = dict(batch_size=2, num_workers=0,\n"
        "                        dataset=dict(indices=16))\n"
        "train_cfg = dict(max_epochs=2)\n"
        "param_scheduler = []\n"
        "default_hooks = dict(checkpoint=dict(interval=1,\n"
        "    curve_epochs=[1, 2], images_per_epoch=16))\n" + extra)
    return str(path)


def _quickstart_stage1(data, work, config, check=True):
    import os
    import subprocess
    import sys
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
               PYTHONPATH=os.pathsep.join([str(ROOT / 'tests'),
                                           str(ROOT)]))
    proc = subprocess.run(
        [sys.executable, 'tools/quickstart.py', '--data', str(data),
         '--work-dir', str(work), '--until', 'stage1', '--fp32',
         '--stage1-config', config], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc


def test_quickstart_stage1_kill_and_resume(synthetic_root, tmp_path):
    """SIGKILL in the quick start's stage 1 (epoch 2), the same command
    again: it resumes from epoch_1.pth and ends with the weights of an
    uninterrupted run."""
    import torch
    plain = _tiny_stage1(tmp_path)
    _quickstart_stage1(synthetic_root, tmp_path / 'full', plain)
    hooks = ("custom_hooks = [dict(type='NonFiniteLossHook'),\n"
             "    dict(type='WorkDirLockHook'), dict(type='RNGStateHook'),\n"
             "    dict(type='SigkillAtIterHook', at=12)]\n"
             "custom_imports = dict(imports=['reliability_helpers'])\n")
    killer = _tiny_stage1(tmp_path, hooks)
    cut = tmp_path / 'cut'
    proc = _quickstart_stage1(synthetic_root, cut, killer, check=False)
    assert proc.returncode != 0 and 'stage 1' in proc.stderr
    stage1 = cut / 'stage1'
    assert (stage1 / 'epoch_1.pth').is_file()
    assert not (stage1 / 'epoch_2.pth').exists()
    again = _quickstart_stage1(synthetic_root, cut, plain)
    assert 'resumed from epoch_1.pth' in again.stdout
    full = torch.load(tmp_path / 'full' / 'stage1' / 'epoch_2.pth')
    resumed = torch.load(stage1 / 'epoch_2.pth')
    a, b = full['state_dict'], resumed['state_dict']
    assert a.keys() == b.keys()
    assert [k for k in a if not torch.equal(a[k], b[k])] == []
    # the learning-curve checkpoints of both epochs are there
    assert (stage1 / 'curve_epoch_1.pth').is_file()
    assert torch.load(stage1 / 'curve_epoch_2.pth')['meta'][
        'images_seen'] == 32


def test_full_disk_while_writing_tables(tmp_path, monkeypatch):
    """ENOSPC while the quick start writes results.md: the message names
    the path; the old tables and the earlier steps' outputs are intact."""
    import errno

    from sce_mae_mm.fileio import safe_write
    qs = _quickstart()
    metrics = tmp_path / 'matching' / 'metrics.json'
    metrics.parent.mkdir()
    metrics.write_text('{"matching/same": 1.0}')
    results = tmp_path / 'results.md'
    results.write_text('old tables')

    def full(fd, data):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(safe_write, '_write_all', full)
    with pytest.raises(SystemExit) as err:
        qs.write_text(str(results), 'new tables')
    assert str(results) in str(err.value)
    assert 'No space left on device' in str(err.value)
    assert results.read_text() == 'old tables'
    assert metrics.read_text() == '{"matching/same": 1.0}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['matching',
                                                          'results.md']


def test_timings_sum_the_invocations_of_a_resumed_run(tmp_path,
                                                      monkeypatch):
    """A run killed and resumed: timings.json counts the seconds of the
    commands every invocation finished (step_seconds.jsonl)."""
    import json
    qs = _quickstart()
    args = qs.parse_args(['--work-dir', str(tmp_path), '--fp32'])
    (tmp_path / 'step_seconds.jsonl').write_text(
        json.dumps(dict(step='data', title='faces', seconds=20.0)) + '\n' +
        json.dumps(dict(step='stage1', title='s1', seconds=100.0)) + '\n')
    steps = qs.Steps(args, bf16=False)
    steps.run(['true'], 'a finished command', 'stage1')
    monkeypatch.setattr(qs, 'stage1_plan', lambda a: dict(images_seen=7))
    times = qs.timings(args, steps, total=steps.seconds['stage1'] + 5.)
    assert times['resumed'] is True
    assert times['steps']['data'] == 20.0
    assert times['steps']['stage1'] == pytest.approx(
        100.0 + steps.seconds['stage1'])
    assert times['total_s'] == pytest.approx(125.0 + steps.seconds['stage1'],
                                             abs=0.1)
    lines = (tmp_path / 'step_seconds.jsonl').read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[-1])['step'] == 'stage1'


def _run_until(tmp_path, monkeypatch, until, *extra):
    """The quick start up to ``until`` with every step recorded instead of
    run (the tool commands themselves are covered above)."""
    qs = _quickstart()
    calls = []

    def record(name, result):
        def step(self, *args, **kwargs):
            key = args[0] if name == 'detection' else None
            calls.append(f'{name}:{key}' if key else name)
            return result
        return step

    monkeypatch.setattr(qs.Steps, 'stage1', record('stage1', 's1.pth'))
    monkeypatch.setattr(qs.Steps, 'stage2', record('stage2', 's2.pth'))
    monkeypatch.setattr(qs.Steps, 'matching', record('matching', {}))
    monkeypatch.setattr(qs.Steps, 'detection', record('detection', {}))
    monkeypatch.setattr(qs, 'learning_curve',
                        lambda *a: calls.append('curve') or [])
    data = tmp_path / 'data'
    data.mkdir(parents=True)
    (data / 'synthetic_manifest.json').write_text('{}')
    work = tmp_path / 'work'
    args = qs.parse_args(['--work-dir', str(work), '--data', str(data),
                          '--fp32', '--until', until, *extra])
    assert qs.run(args) is None
    assert not (work / 'results.md').exists()
    assert not (work / 'timings.json').exists()
    return calls


def test_until_stage2_runs_no_matching(tmp_path, monkeypatch):
    assert _run_until(tmp_path, monkeypatch, 'stage2') == ['stage1',
                                                           'stage2']
    assert _run_until(tmp_path / 'm', monkeypatch, 'matching') == [
        'stage1', 'stage2', 'matching']


def test_until_detection_stops_before_the_curve(tmp_path, monkeypatch):
    calls = _run_until(tmp_path, monkeypatch, 'detection', '--curve')
    assert calls == ['stage1', 'stage2', 'matching', 'detection:mafl',
                     'detection:aflw_m', 'detection:aflw_r',
                     'detection:300w']


def test_the_quick_start_caps_stage_2_before_the_users_options():
    """The quick start's stage 2 reads the first 4,036 of its 11,196
    training faces (504 steps); a user's option comes after, so it wins;
    --long trains stage 2 on all of its faces."""
    qs = _quickstart()
    cap = 'train_dataloader.dataset.indices=4036'
    args = qs.parse_args(['--stage2-options', 'train_cfg.max_epochs=4'])
    assert args.stage2_options == [cap, 'train_cfg.max_epochs=4']
    assert (args.num, args.extra_celeba_train) == (3000, 10000)
    assert qs.parse_args(['--long']).stage2_options == []


def test_readme_tables_have_the_readme_layout():
    """The README's quick-start tables come from the same table builder:
    its header lines are the README's."""
    rep = _report()
    m = {f'matching/{k}': v for k, v in (
        ('same', 1.), ('diff', 9.), ('same_dve', 2.), ('diff_dve', 9.5),
        ('same_baseline', 3.), ('diff_baseline', 8.))}
    text = rep.readme_tables(m, m, {'aflw_r': {'NME': 5.,
                                               'NME_mean_shape': 20.}})
    readme = (ROOT / 'README.md').read_text()
    for line in text.splitlines():
        if line.startswith(('| features', '| dataset', '|---')):
            assert line in readme, line
    assert '| AFLW_R | 20.00 | 5.00 | 0.25 | 5.54 |' in text
    assert '| SCE-MAE (stage 2 projector) | 1.00 | 9.00 | 2.00 | 9.50 | ' \
        '0.47 / 1.99 |' in text


def test_matching_step_shares_one_backbone_cache(tmp_path, monkeypatch):
    """Raw MAE and SCE-MAE matching name the same backbone cache, raw MAE
    first (it writes, SCE-MAE reads); the folder is gone afterwards."""
    qs = _quickstart()
    args = qs.parse_args(['--work-dir', str(tmp_path), '--fp32'])
    steps = qs.Steps(args, bf16=False)
    seen = []

    def fake_test(config, ckpt, out, title, step, loaders, options=()):
        cache = [o for o in options if o.startswith('model.backbone_cache=')]
        assert len(cache) == 1
        folder = cache[0].partition('=')[2]
        os.makedirs(folder, exist_ok=True)  # what the run would write
        seen.append((os.path.basename(config), folder))
        return {}

    monkeypatch.setattr(steps, 'test', fake_test)
    assert set(steps.matching('s2.pth', str(tmp_path))) == {'raw', 'sce'}
    assert [c.split('_deit')[0] for c, _ in seen] == ['raw_mae', 'sce_mae']
    assert seen[0][1] == seen[1][1]
    assert not os.path.exists(seen[0][1])


def test_check_data_refuses_other_test_counts(tmp_path):
    """The default set of an earlier version (other MAFL, AFLW_M, AFLW_R or
    300W test counts) stops the run with a message naming what it holds,
    what the run needs and how to go on; the counts it holds pass."""
    import json
    qs = _quickstart()
    counts = dict(mafl_test=1000, aflw_m_test=120, aflw_r_test=120,
                  **{'300w_helen_testset': 61, '300w_lfpw_testset': 46,
                     '300w_ibug': 46})
    manifest = tmp_path / 'synthetic_manifest.json'
    manifest.write_text(json.dumps(dict(num=3000, seed=0,
                                        extra_celeba_train=10000,
                                        counts=counts)))
    args = qs.parse_args([])
    assert (args.aflw_m_test, args.aflw_r_test, args.face300w_test) == \
        (2400, 2400, 1500)
    wanted = qs.wanted_test_counts(args)
    with pytest.raises(SystemExit) as err:
        qs.check_data(str(manifest), 3000, 0, 10000, **wanted)
    msg = str(err.value)
    assert '120 AFLW_M, 120 AFLW_R, 153 300W' in msg
    assert '2400 AFLW_M, 2400 AFLW_R, 1500 300W' in msg
    assert 'remove its folder' in msg
    assert '--aflw-m-test 120 --aflw-r-test 120 --300w-test 153' in msg
    for key, bad in (('mafl_test', 998), ('aflw_m_test', 2400),
                     ('aflw_r_test', 2400), ('face300w_test', 1500)):
        with pytest.raises(SystemExit, match='this run needs'):
            qs.check_data(str(manifest), 3000, 0, 10000, **{key: bad})
    # the counts it holds, or none asked for (the reference size), pass
    qs.check_data(str(manifest), 3000, 0, 10000, mafl_test=1000,
                  aflw_m_test=120, aflw_r_test=120, face300w_test=153)
    qs.check_data(str(manifest), 3000, 0, 10000)
    ref = qs.parse_args(['--reference'])
    assert qs.wanted_test_counts(ref) == {}
    old = qs.parse_args(['--aflw-m-test', '120', '--aflw-r-test', '120',
                         '--300w-test', '153'])
    qs.check_data(str(manifest), 3000, 0, 10000, **qs.wanted_test_counts(old))
    # other faces: the message does not offer the test counts
    with pytest.raises(SystemExit) as err:
        qs.check_data(str(manifest), 2000, 0, 10000, **wanted)
    assert 'to use it as it is' not in str(err.value)


def test_the_data_step_asks_for_the_test_counts(tmp_path, monkeypatch):
    """The data step's command and title carry every test count."""
    qs = _quickstart()
    seen = []
    monkeypatch.setattr(qs.Steps, 'run',
                        lambda self, cmd, title, step: seen.append(
                            (cmd, title)))
    monkeypatch.setattr(qs, 'check_data', lambda *a, **k: None)
    args = qs.parse_args(['--work-dir', str(tmp_path / 'w'), '--data',
                          str(tmp_path / 'd'), '--until', 'data', '--fp32'])
    assert qs.run(args) is None
    (cmd, title), = seen
    tail = ' '.join(cmd[cmd.index('--extra-celeba-train'):])
    assert tail == ('--extra-celeba-train 10000 --mafl-test 1000 '
                    '--aflw-m-test 2400 --aflw-r-test 2400 --300w-test 1500')
    assert ('test faces 1000 MAFL, 2400 AFLW_M, 2400 AFLW_R, 1500 300W'
            in title)


def test_a_given_stage1_checkpoint_replaces_stage1(tmp_path, monkeypatch):
    """--stage1-checkpoint: no stage-1 training, stage 2 starts from it."""
    qs = _quickstart()
    given = tmp_path / 'other_seed_epoch_3.pth'
    given.write_bytes(b'weights')
    seen = []
    monkeypatch.setattr(qs.Steps, 'stage1',
                        lambda self: seen.append('stage1') or 's1.pth')
    monkeypatch.setattr(qs.Steps, 'stage2',
                        lambda self, stage1, wd: seen.append(stage1) or 's2')
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'synthetic_manifest.json').write_text('{}')
    args = qs.parse_args(['--work-dir', str(tmp_path / 'w'), '--data',
                          str(data), '--fp32', '--until', 'stage2',
                          '--stage1-checkpoint', str(given)])
    assert qs.run(args) is None
    assert seen == [str(given)]


@pytest.mark.parametrize('extra', [[], ['--curve']])
def test_a_missing_or_curve_stage1_checkpoint_is_refused(tmp_path, capsys,
                                                         extra):
    qs = _quickstart()
    path = tmp_path / 'epoch_3.pth'
    if extra:
        path.write_bytes(b'weights')
    with pytest.raises(SystemExit):
        qs.parse_args(['--stage1-checkpoint', str(path), *extra])
    err = capsys.readouterr().err
    assert ('curve' in err) if extra else (str(path) in err)


def test_head_epochs_stretch_the_whole_schedule(tmp_path, monkeypatch):
    """--head-epochs N: every key the heads' schedule ties to max_epochs
    follows, and the head step passes them to tools/train.py."""
    from mmengine.config import Config

    from sce_mae_mm.benchmark import quickstart_steps
    cfg = Config.fromfile(
        f'{quickstart_steps.SYN}/sce_mae_deit_t_mafl_synthetic.py')
    cfg.merge_from_dict(dict(o.split('=') for o in
                             quickstart_steps.head_schedule(12)))
    assert int(cfg.train_cfg.max_epochs) == 12
    assert int(cfg.train_cfg.val_interval) == 12
    assert int(cfg.param_scheduler[0].T_max) == 12
    assert int(cfg.param_scheduler[0].end) == 12
    assert int(cfg.default_hooks.checkpoint.interval) == 12
    qs = _quickstart()
    args = qs.parse_args(['--fp32', '--head-epochs', '12'])
    steps = qs.Steps(args, bf16=False)
    seen = {}
    monkeypatch.setattr(steps, 'train', lambda cfg, wd, title, step, opts,
                        loaders: seen.update(opts=opts) or 'epoch_12.pth')
    monkeypatch.setattr(steps, 'test', lambda *a, **k: {})
    steps.detection('mafl', 's2.pth', str(tmp_path))
    assert 'train_cfg.max_epochs=12' in seen['opts']
    assert 'param_scheduler.0.T_max=12' in seen['opts']
    with pytest.raises(SystemExit):
        qs.parse_args(['--head-epochs', '0'])


def test_the_users_stage1_options_win_over_the_seed(tmp_path, monkeypatch):
    """--stage1-options randomness.seed=0 on --seed 1: the user's value
    comes after the run's own in tools/train.py's --cfg-options."""
    qs = _quickstart()
    args = qs.parse_args(['--fp32', '--seed', '1', '--work-dir',
                          str(tmp_path), '--stage1-options',
                          'randomness.seed=0'])
    steps = qs.Steps(args, bf16=False)
    cmds = []
    monkeypatch.setattr(steps, 'run', lambda cmd, title, step:
                        cmds.append(cmd))
    with pytest.raises(SystemExit):  # no checkpoint after the fake run
        steps.stage1()
    seeds = [a for a in cmds[0] if a.startswith('randomness.seed=')]
    assert seeds == ['randomness.seed=1', 'randomness.seed=0']
