"""The supplementary's studies (sce_mae_mm.studies, run by tools/studies)
and DropTokenMatcher.

The study runner is exercised end to end with a stand-in interpreter that
plays ``tools/train.py`` / ``tools/test.py`` (writes checkpoints and
metrics), so the orchestration, caching, tables, plots and README sections
are checked in seconds; the real tools run in the synthetic-set study runs.
"""
import json
import shutil
import stat
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from sce_mae_mm.studies import plan, report
from sce_mae_mm.studies import runner as run_study

ROOT = Path(__file__).resolve().parents[1]


def _ctx(**kwargs):
    base = dict(stage1='/ckpt/s1.pth', arch='deit-t', work_dir='/w',
                synthetic=True, grid='reduced', python='py')
    base.update(kwargs)
    return plan.Context(**base)


# ------------------------------------------------------------ plan
@pytest.mark.parametrize('grid,counts', [
    ('reduced', dict(baselines=3, components=4, drop_rate=3,
                     cluster_layer=3, num_clusters=2, correspondence=3)),
    ('full', dict(baselines=3, components=4, drop_rate=11,
                  cluster_layer=12, num_clusters=4, correspondence=4)),
])
def test_study_rows_grids(grid, counts):
    ctx = _ctx(grid=grid)
    for study, count in counts.items():
        rows = plan.study_rows(study, ctx)
        assert len(rows) == count, study
    # the default SCE-MAE model is shared by the default points
    layer = {r.key: r.variant for r in plan.study_rows('cluster_layer',
                                                       _ctx(grid='full'))}
    assert layer[2] == plan.SCE_MAE and layer[0].name == 'layer_00'
    assert layer[0].options == (('model.backbone.layer_index', 0), )
    corr = plan.study_rows('correspondence', ctx)
    assert corr[-1].variant == plan.SCE_MAE
    assert corr[0].variant.options == (('model.loss.r_att_att', 0.), )
    drop = plan.study_rows('drop_rate', ctx)
    assert drop[0].evals['matching'].options == ()
    assert ('model.type', 'DropTokenMatcher') in drop[1].evals[
        'matching'].options


def test_commands():
    ctx = _ctx(stage2_epochs=1, matching_stride=4)
    variant = plan.Variant('layer_00', options=(('model.backbone.'
                                                 'layer_index', 0), ))
    cmd = plan.train_stage2_command(ctx, variant)
    assert cmd[:2] == ['py', str(ROOT / 'tools' / 'train.py')]
    assert cmd[2].endswith('configs/synthetic/'
                           'sce_mae_deit_t_stage2_synthetic.py')
    assert cmd[cmd.index('--work-dir') + 1] == '/w/deit-t/layer_00'
    opts = cmd[cmd.index('--cfg-options') + 1:]
    assert opts == ['model.backbone.checkpoint=/ckpt/s1.pth',
                    'train_cfg.max_epochs=1', 'model.backbone.layer_index=0']
    ev = plan.Evaluation('drop_0.25', options=(('model.drop_rate', .25), ))
    test = plan.matching_command(ctx, variant, ev, '/w/x.pth')
    assert test[2].endswith('sce_mae_deit_t_mafl_matching_synthetic.py')
    assert test[3] == '/w/x.pth'
    assert test[test.index('--out') + 1] == \
        '/w/deit-t/layer_00/eval/drop_0.25.json'
    assert test[-2:] == ['model.drop_rate=0.25', 'model.stride=4']
    # each evaluation keeps its per-pair / per-face errors beside its json
    assert ('test_evaluator.0.per_pair_file=/w/deit-t/layer_00/eval/'
            'drop_0.25_per_pair.npz') in test
    det = plan.Evaluation('det_mafl', kind='detection')
    train, test = plan.detection_commands(ctx, variant, det, '/s2.pth',
                                          '/det.pth')
    assert 'model.head.in_channels=256' in train
    assert 'model.init_cfg.checkpoint=/s2.pth' in train
    assert test[3] == '/det.pth' and 'model.head.in_channels=256' in test
    assert test[-1] == ('test_evaluator.per_image_file=/w/deit-t/layer_00/'
                        'eval/det_mafl_per_image.npz')
    assert not any('per_image_file' in o for o in train)
    # the stride-8 reference of the cover-and-stride claim: stride 8 last
    stride8 = plan.study_rows('components', ctx)[-1]
    test = plan.matching_command(ctx, stride8.variant,
                                 stride8.evals['matching'], '/c')
    assert stride8.variant == plan.SCE_MAE and test[-1] == 'model.stride=8'
    real = plan.stage2_config('lead', 'deit-s', synthetic=False)
    assert real == 'configs/baselines/lead_deit_s_stage2.py'
    # CL's own projector: its own matching config, CLDistiller in detection
    cl = plan.Variant('cl', 'cl')
    test = plan.matching_command(ctx, cl, plan.Evaluation('matching'), '/c')
    assert test[2].endswith('configs/baselines/synthetic/'
                            'cl_deit_t_mafl_matching_synthetic.py')
    train, _ = plan.detection_commands(ctx, cl, det, '/s2.pth', '/det.pth')
    assert 'model.neck.type=CLDistiller' in train
    assert 'model.neck._delete_=True' in train
    assert 'model.neck.test_size=None' in train
    assert dict(plan.REPELLENCE) == dict(r_att_att=5., r_att_inatt=5.,
                                         r_inatt_inatt=2.)
    assert plan.format_options([('a', True), ('b', None), ('c', 2.0)]) == [
        'a=True', 'b=None', 'c=2.0']
    assert not any('backbone_cache' in o for o in test)
    # every matching evaluation of one stage 1 names the same cache
    cached = _ctx(backbone_cache='/w/cache')
    for ev in (plan.Evaluation('matching'), stride8.evals['matching']):
        test = plan.matching_command(cached, cl, ev, '/c')
        assert 'model.backbone_cache=/w/cache' in test


def test_stage2_options_default_to_the_quick_start_schedule():
    base = ['components', '--stage1', '/c/s1.pth', '--work-dir', '/w',
            '--arch', 'deit-t']
    synthetic = run_study.make_contexts(run_study.parse_args(
        base + ['--synthetic']))[0]
    assert synthetic.stage2_options == (
        ('train_dataloader.dataset.indices', '4036'), )
    assert synthetic.backbone_cache == '/w/backbone_cache'
    real = run_study.make_contexts(run_study.parse_args(base))[0]
    assert real.stage2_options == ()
    mine = run_study.make_contexts(run_study.parse_args(
        base + ['--synthetic', '--no-backbone-cache', '--stage2-options',
                'randomness.seed=1']))[0]
    assert mine.stage2_options == (('randomness.seed', '1'), )
    assert mine.backbone_cache is None
    # the user's options first, the variant's own last (they define it)
    variant = plan.Variant('layer_00', options=(('randomness.seed', 7), ))
    cmd = plan.train_stage2_command(mine, variant)
    assert cmd[-2:] == ['randomness.seed=1', 'randomness.seed=7']
    with pytest.raises(ValueError, match='KEY=VALUE'):
        run_study.make_contexts(run_study.parse_args(
            base + ['--stage2-options', 'seed']))


def test_plan_bad_input():
    with pytest.raises(FileNotFoundError, match='deit-t and deit-s only'):
        plan.stage2_config('sce_mae', 'deit-b', synthetic=True)
    with pytest.raises(ValueError, match='unknown dataset'):
        plan.detection_config('deit-t', 'wflw', synthetic=True)
    with pytest.raises(ValueError, match='unknown study'):
        plan.study_rows('nope', _ctx())
    with pytest.raises(ValueError, match='unknown arch'):
        plan.matching_config('vit-h', False)


def test_synthetic_detection_has_every_dataset():
    """The synthetic set has a detection config for each of the four
    datasets (DeiT-S files; another arch gets its widths as options)."""
    for dataset in plan.DATASETS:
        path, options = plan.detection_config('deit-t', dataset, True)
        assert path == (f'configs/synthetic/sce_mae_deit_s_{dataset}_'
                        'synthetic.py')
        assert (ROOT / path).is_file()
        assert ('model.head.in_channels', 256) in options
    path, options = plan.detection_config('deit-s', '300w', True)
    assert path.endswith('sce_mae_deit_s_300w_synthetic.py')
    assert options == ()


# ---------------------------------------------------------- report
def _pairs(same, diff):
    return {'matching/same': same, 'matching/diff': diff}


def test_report_tables_and_plots(tmp_path):
    ctx = _ctx(grid='full')
    rows = plan.study_rows('cluster_layer', ctx)
    results = {str(r.key): dict(matching=_pairs(1. + r.key, 2.))
               for r in rows if r.key != 5}
    md = report.study_report('cluster_layer', rows, results,
                             str(tmp_path / 'layer.png'))
    assert '| 2 | 0.27 | 1.61 | 3.00 | 2.00 |' in md
    assert '| 5 | 0.30 | 1.62 | – | – |' in md
    assert ('| same-location baseline (no matching) | – | – | – | – |'
            in md)  # no metrics carry it here
    results['2']['matching'].update({'matching/same_baseline': 3.5,
                                     'matching/diff_baseline': 7.25})
    md = report.study_report('cluster_layer', rows, results,
                             str(tmp_path / 'layer.png'))
    assert ('| same-location baseline (no matching) | – | – | 3.50 | 7.25 |'
            in md)
    # metrics with their 95 % intervals print them
    results['2']['matching'].update({
        'matching/diff_ci_low': 1.5, 'matching/diff_ci_high': 2.5,
        'matching/diff_baseline_ci_low': 7., 'matching/diff_baseline_ci_high':
        7.5})
    md = report.study_report('cluster_layer', rows, results,
                             str(tmp_path / 'layer.png'))
    assert '| 2 | 0.27 | 1.61 | 3.00 | 2.00 [1.50, 2.50] |' in md
    assert '| 3.50 | 7.25 [7.00, 7.50] |' in md
    assert (tmp_path / 'layer.png').stat().st_size > 1000
    rows = plan.study_rows('correspondence', ctx)
    md = report.study_report('correspondence', rows,
                             {'r_att_att': dict(matching=_pairs(.5, 4.))},
                             str(tmp_path / 'corr.png'))
    assert '| ✗ | ✓ | ✓ | 0.33 | 3.52 | 0.50 | 4.00 |' in md
    base = {'deit-t': {'cl': dict(matching=_pairs(1.5, 5.),
                                  det_mafl={'NME': 3.25}),
                       'ours': dict(matching=_pairs(.4, 1.9))}}
    base['deit-t']['ours']['matching'].update(
        {'matching/same_baseline': 3., 'matching/diff_baseline': 6.})
    md = report.study_report('baselines', plan.baselines_rows(ctx), base,
                             str(tmp_path / 'base.png'))
    assert ('| same-location baseline (no matching) | DeiT-T | 0 | – | – | '
            '3.00 | 6.00 |') in md
    assert '| CL | DeiT-T | 5.4 | 1.31 | 4.32 | 1.50 | 5.00 |' in md
    assert '| 2.51 / 3.25 |' in md
    assert '| LEAD | DeiT-S | 21.4 | 0.91 | 8.64 | – | – |' in md
    rows = plan.study_rows('drop_rate', ctx)
    md = report.study_report('drop_rate', rows,
                             {'0.25': dict(matching=_pairs(.6, 2.))},
                             str(tmp_path / 'drop.png'))
    assert '| 25% | 0.60 | 2.00 |' in md and '| 90% | – | – |' in md
    with pytest.raises(KeyError, match='matching/diff'):
        report.same_diff({'matching/same': 1.})


def test_update_readme(tmp_path):
    path = tmp_path / 'p' / 'README.md'
    path.parent.mkdir()
    path.write_text('# Title\n\nIntro.\n')
    report.update_readme(str(path), 'synthetic-reduced', 'table one')
    report.update_readme(str(path), 'real-full', 'table real')
    report.update_readme(str(path), 'synthetic-reduced', 'table two')
    text = path.read_text()
    assert text.startswith('# Title\n\nIntro.\n')
    assert 'table one' not in text and text.count('table two') == 1
    assert text.index('table two') < text.index('table real')  # in place
    with pytest.raises(ValueError, match='bad results tag'):
        report.update_readme(str(path), 'Bad Tag', 'x')


# ----------------------------------------------- runner, end to end
FAKE_TOOL = '''\
    import json, os, sys
    tool, args = os.path.basename(sys.argv[1]), sys.argv[2:]
    with open(os.environ['FAKE_LOG'], 'a') as f:
        f.write(tool + ' ' + ' '.join(args) + '\\n')
    work = args[args.index('--work-dir') + 1]
    os.makedirs(work, exist_ok=True)
    opts = args[args.index('--cfg-options') + 1:] \\
        if '--cfg-options' in args else []
    if tool == 'train.py':
        ckpt = os.path.join(work, 'epoch_1.pth')
        open(ckpt, 'w').close()
        with open(os.path.join(work, 'last_checkpoint'), 'w') as f:
            f.write(ckpt)
    else:
        out = args[args.index('--out') + 1]
        for opt in opts:  # the per-pair / per-image errors
            if opt.startswith('test_evaluator.') and '_file=' in opt:
                open(opt.split('=', 1)[1], 'w').close()
        if 'detection' in args[0] or 'mafl_synthetic' in args[0]:
            metrics = {'NME': 4.5}
        else:
            rate = [o for o in opts if o.startswith('model.drop_rate=')]
            bump = float(rate[0].split('=')[1]) if rate else 0.
            metrics = {'matching/same': 1. + bump, 'matching/diff': 3.}
        with open(out, 'w') as f:
            json.dump(metrics, f)
'''


def test_run_study_end_to_end_with_stand_in_tools(tmp_path, monkeypatch,
                                                  capsys):
    fake = tmp_path / 'fake_python'
    fake.write_text(f'#!{sys.executable}\n' + textwrap.dedent(FAKE_TOOL))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / 'calls.txt'
    monkeypatch.setenv('FAKE_LOG', str(log))
    work, projects = tmp_path / 'work', tmp_path / 'projects'
    argv = ['components', 'drop_rate', 'baselines', '--stage1',
            str(tmp_path / 's1.pth'), '--work-dir', str(work),
            '--synthetic', '--grid', 'reduced', '--arch', 'deit-t',
            '--python', str(fake), '--projects-dir', str(projects)]
    run_study.main(argv)
    calls = log.read_text().splitlines()
    # 4 stage-2 models (sce_mae, clustering_cl, cl, lead), each trained once
    assert sum(c.startswith('train.py') and 'stage2' in c
               for c in calls) == 4
    # matching: raw + clustering + ours + stride 8 + 2 drop rates + cl +
    # lead = 8, detection: 3 regressors trained and tested
    assert sum('matching' in c.split()[1] for c in calls) == 8
    assert sum(c.startswith('train.py') and 'mafl_synthetic' in c
               for c in calls) == 3
    out = capsys.readouterr().out
    assert '$ ' + str(fake) in out
    drop = (work / 'drop_rate.md').read_text()
    assert '| 25% | 1.25 | 3.00 |' in drop and '| 0% | 1.00 | 3.00 |' in drop
    base = (work / 'baselines.md').read_text()
    assert '| CL | DeiT-T | 5.4 | 1.31 | 4.32 | 1.00 | 3.00 |' in base
    assert '| 2.20 / 4.50 |' in base
    readme = (projects / 'components' / 'README.md').read_text()
    assert '<!-- results:synthetic-reduced:begin -->' in readme
    assert (projects / 'components' /
            'results_synthetic-reduced.png').is_file()
    data = json.loads((work / 'components.json').read_text())
    assert data['raw']['matching']['matching/same'] == 1.
    # a second run reuses everything
    run_study.main(argv)
    assert log.read_text().splitlines() == calls
    assert '# reuse' in capsys.readouterr().out
    # an evaluation without its per-pair errors (an older run) is redone
    (work / 'deit-t' / 'sce_mae' / 'eval' /
     'matching_stride8_per_pair.npz').unlink()
    run_study.main(argv)
    again = log.read_text().splitlines()[len(calls):]
    assert len(again) == 1 and 'matching_stride8.json' in again[0]
    # --report-only runs nothing: the finished rows, '–' for the others
    shutil.rmtree(work / 'deit-t' / 'clustering_cl')
    before = log.read_text()
    capsys.readouterr()
    run_study.main(argv[:1] + argv[3:] + ['--report-only', '--results-tag',
                                          'synthetic-seed9'])
    assert log.read_text() == before
    out = capsys.readouterr().out
    assert '# not run (--report-only)' in out and '$ ' + str(fake) not in out
    components = (projects / 'components' / 'README.md').read_text()
    assert '<!-- results:synthetic-seed9:begin -->' in components
    assert (projects / 'components' / 'results_synthetic-seed9.png').is_file()
    assert '| + clustering (CARB, CL loss, no LCR) | 0.30 | 4.04 | – | – |' \
        in components
    assert 'code ' in components and 'stage 1 `' in components


def test_run_study_failure_names_the_log(tmp_path):
    bad = tmp_path / 'bad_python'
    bad.write_text(f'#!{sys.executable}\nimport sys\nprint("boom")\n'
                   'sys.exit(3)\n')
    bad.chmod(bad.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(SystemExit, match='exit 3.*_train.log'):
        run_study.main(['num_clusters', '--stage1', 'x.pth', '--work-dir',
                        str(tmp_path / 'w'), '--synthetic', '--arch',
                        'deit-t', '--python', str(bad), '--no-readme'])


# ------------------------------------------------- DropTokenMatcher
def test_lowest_attention_mask():
    from sce_mae_mm.models.pose_estimators.drop_token_matcher import \
        lowest_attention_mask
    attn = torch.tensor([[.1, .4, .2, .3], [.25, .25, .25, .25]])
    mask = lowest_attention_mask(attn, 0.5)
    assert mask.tolist() == [[True, False, True, False],
                             [True, True, False, False]]
    assert not lowest_attention_mask(attn, 0.).any()
    with pytest.raises(ValueError, match='drop rate'):
        lowest_attention_mask(attn, 1.)


def _matcher(drop_rate, stride):
    from mmpose.registry import MODELS

    import sce_mae_mm  # noqa: F401
    torch.manual_seed(0)
    return MODELS.build(
        dict(type='DropTokenMatcher',
             drop_rate=drop_rate,
             backbone=dict(type='SCEViT', arch='deit-t'),
             neck=dict(type='CARB', in_channels=192, out_channels=8),
             stride=stride))


def test_drop_token_matcher_zeroes_least_attended_tokens():
    images = torch.randn(2, 3, 96, 96)
    plain = _matcher(0., 8)
    dropped = _matcher(0.5, 8)
    dropped.load_state_dict(plain.state_dict())
    full = plain.extract_descriptors(images)
    part = dropped.extract_descriptors(images)
    zero = (part.abs().sum(1) == 0)  # (B, 12, 12)
    assert zero.flatten(1).sum(1).tolist() == [72, 72]
    assert torch.allclose(part[~zero[:, None].expand_as(part)],
                          full[~zero[:, None].expand_as(full)])
    attn = plain.backbone.forward_tokens(images)['cls_attn']
    kept_min = attn.masked_fill(zero.flatten(1), 2.).min(1).values
    dropped_max = attn.masked_fill(~zero.flatten(1), -1.).max(1).values
    assert bool((dropped_max <= kept_min).all())
    assert torch.equal(dropped.extract_descriptors(images, drop_rate=0.),
                       full)


def test_drop_token_matcher_cover_and_stride():
    images = torch.randn(1, 3, 104, 104)  # 4 px of context per side
    matcher = _matcher(0.25, 4)
    desc = matcher.extract_descriptors(images)
    assert desc.shape == (1, 8, 24, 24)
    # each of the 4 shifted passes drops round(0.25 * 144) = 36 tokens
    assert int((desc.abs().sum(1) == 0).sum()) == 4 * 36
    samples = matcher.predict(
        torch.randn(1, 3, 3, 104, 104),
        [_sample()])
    assert samples[0].pred_same_keypoints.shape == (5, 2)


def _sample():
    from mmpose.structures import PoseDataSample
    sample = PoseDataSample(metainfo=dict(input_size=(96, 96)))
    sample.set_field(torch.full((5, 2), 40.), 'src_keypoints')
    return sample


def test_drop_token_matcher_rejects_bad_rate():
    with pytest.raises(ValueError, match='drop_rate'):
        _matcher(1.5, 8)


def test_infer_arch_from_checkpoint(tmp_path):
    path = tmp_path / 'mae.pth'
    torch.save({'state_dict': {'backbone.cls_token': torch.zeros(1, 1, 384),
                               'neck.mask_token': torch.zeros(1, 1, 8)}},
               path)
    assert run_study.infer_arch(str(path)) == 'deit-s'
    torch.save({'state_dict': {'neck.x': torch.zeros(1)}}, path)
    with pytest.raises(KeyError, match='not a stage-1 checkpoint'):
        run_study.infer_arch(str(path))
