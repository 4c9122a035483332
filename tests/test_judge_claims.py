"""The claims' judge (sce_mae_mm/studies/judge.py, tools/studies/
judge_claims.py) and the per-unit files it reads: InputFrameNME's
per-image file, the plan's per-pair / per-image paths, the verdicts, 'not
run', the pooling, the table, the README lines and the plot.

The work dirs are tiny fakes: per-unit files written by the real save
functions where the plan's commands would write them.
"""
import numpy as np
import pytest

from sce_mae_mm.evaluation.functional.per_pair import (align_runs,
                                                       read_per_unit,
                                                       save_per_pair,
                                                       save_per_unit)
from sce_mae_mm.studies import judge, plan
from sce_mae_mm.studies.claims import CLAIMS

BY_NAME = {c.name: c for c in CLAIMS}
CI = dict(n_resamples=500, seed=0)
N = 40


def _write(claim, work_dir, variant, reference, ids=None):
    """The claim's two per-unit files in ``work_dir`` (N units)."""
    path_a, path_b = judge.claim_files(claim, str(work_dir))
    key = claim.metric.split('/', 1)[1]
    if claim.metric.startswith('matching/'):
        ids = np.arange(len(variant)) if ids is None else ids
        save_per_pair(path_a, ids, {key: variant})
        save_per_pair(path_b, ids, {key: reference})
    else:
        ids = [f'img/{i:03d}.jpg' for i in range(len(variant))]
        save_per_unit(path_a, ids, {key: variant}, 'image_id')
        save_per_unit(path_b, ids, {key: reference}, 'image_id')
    return path_a, path_b


def _errors(seed, shift=0.0):
    """(reference, variant = reference + shift + small noise), (N,) each."""
    rng = np.random.default_rng(seed)
    ref = rng.uniform(1, 5, N)
    return ref, ref + shift + rng.normal(0, 0.05, N)


# ------------------------------------------------ per-unit files
def _det_sample(path, pred, gt):
    """A packed detection sample whose input frame is its image frame."""
    return dict(img_path=path, input_center=(48., 48.),
                input_scale=(96., 96.), input_size=(96, 96),
                pred_instances=dict(keypoints=np.asarray(pred)[None]),
                gt_instances=dict(keypoints=np.asarray(gt)[None],
                                  keypoints_visible=np.ones((1, 5))))


def _nme_run(tmp_path, name, order, offset):
    from sce_mae_mm.evaluation.metrics.input_frame_nme import InputFrameNME
    rng = np.random.default_rng(3)
    gts = rng.uniform(20, 70, (12, 5, 2))
    path = str(tmp_path / name)
    metric = InputFrameNME(per_image_file=path, ci=None)
    metric.dataset_meta = dict(dataset_name='face')
    samples = [_det_sample(f'faces/{i}.png', gts[i] + offset * (i + 1),
                           gts[i]) for i in order]
    metric.process({}, samples)
    return path, metric.evaluate(len(samples))


def test_input_frame_nme_writes_aligned_per_image_file(tmp_path):
    order = list(range(12))
    path_a, res = _nme_run(tmp_path, 'a_per_image.npz', order, 0.5)
    ids, errors = read_per_unit(path_a)
    assert ids.tolist() == [f'faces/{i}.png' for i in order]
    assert set(errors) == {'NME', 'NME_original', 'points'}
    assert errors['points'].tolist() == [5.] * 12
    assert np.mean(errors['NME']) == pytest.approx(res['NME'])
    # a second run sees the faces in another order: aligned by image path
    path_b, _ = _nme_run(tmp_path, 'b_per_image.npz', order[::-1], 0.25)
    ids, a, b = align_runs(path_a, path_b, 'NME')
    assert ids.tolist() == [f'faces/{i}.png' for i in order]
    np.testing.assert_allclose(a, 2 * b)  # twice the offset, same face


def test_misaligned_runs_name_both_files(tmp_path):
    a, b, c = (str(tmp_path / f'{n}.npz') for n in 'abc')
    save_per_pair(a, np.arange(5), {'diff': np.ones(5)})
    save_per_pair(b, np.arange(1, 6), {'diff': np.ones(5)})
    with pytest.raises(ValueError, match=f'{a}.*{b}.*different units'):
        align_runs(a, b, 'diff')
    save_per_pair(c, np.arange(5), {'same': np.ones(5)})
    with pytest.raises(ValueError, match=f"{c}: no 'diff' errors"):
        align_runs(a, c, 'diff')
    with pytest.raises(ValueError, match='not unique'):
        save_per_pair(c, np.zeros(5, int), {'diff': np.ones(5)})
    with pytest.raises(FileNotFoundError, match='none.npz'):
        align_runs(a, str(tmp_path / 'none.npz'), 'diff')


# ------------------------------------------------------ the plan
def test_every_claim_reads_files_the_study_commands_write():
    ctx = plan.Context(stage1='/s1.pth', arch='deit-t', work_dir='/w',
                       grid='full', synthetic=True)
    for claim in CLAIMS:
        written = set()
        for row in plan.study_rows(claim.study, ctx):
            for ev in row.evals.values():
                if ev.kind == 'matching':
                    cmd = plan.matching_command(ctx, row.variant, ev, '/c')
                else:
                    cmd = plan.detection_commands(ctx, row.variant, ev,
                                                  '/c')[1]
                written.update(o.split('=', 1)[1] for o in cmd
                               if o.startswith('test_evaluator.'))
        files = judge.claim_files(claim, '/w')
        assert files[0] != files[1] and set(files) <= written, claim.name
    assert judge.claim_files(BY_NAME['cover_and_stride'], '/w') == (
        '/w/deit-t/sce_mae/eval/matching_per_pair.npz',
        '/w/deit-t/sce_mae/eval/matching_stride8_per_pair.npz')
    assert judge.claim_files(BY_NAME['beats_cl_detection'], '/w') == (
        '/w/deit-t/sce_mae/eval/det_mafl_per_image.npz',
        '/w/deit-t/cl/eval/det_mafl_per_image.npz')
    with pytest.raises(ValueError, match="no row of study 'components'"):
        judge.row_key('components', 'nope')


# ---------------------------------------------------- verdicts
@pytest.mark.parametrize('name,shift,expected', [
    ('lcr', -1.0, 'reproduced'),
    ('lcr', 1.0, 'contradicted'),
    ('clustering_alone', 1.0, 'reproduced'),
    ('clustering_alone', -1.0, 'contradicted'),
    ('beats_cl_detection', -0.5, 'reproduced'),
])
def test_verdict_of_a_clear_shift(tmp_path, name, shift, expected):
    claim = BY_NAME[name]
    dirs = [tmp_path / f'studies_seed{s}' for s in range(3)]
    for s, d in enumerate(dirs):
        ref, var = _errors(s, shift)
        _write(claim, d, var, ref)
    res = judge.judge_claim(claim, [str(d) for d in dirs], **CI)
    assert res.verdict == expected
    assert [e.verdict for e in res.per_seed] == [expected] * 3
    assert res.pooled.units == 3 * N and res.seeds_run == 3


def test_identical_runs_are_not_established(tmp_path):
    claim = BY_NAME['lcr']
    ref, _ = _errors(0)
    _write(claim, tmp_path / 'w', ref, ref)
    res = judge.judge_claim(claim, [str(tmp_path / 'w')], **CI)
    e = res.per_seed[0]
    assert (e.diff, e.low, e.high) == (0.0, 0.0, 0.0)
    assert e.verdict == res.verdict == 'not established'


def test_pooled_is_the_mean_of_the_stacked_differences(tmp_path):
    claim = BY_NAME['num_clusters']
    dirs, diffs = [], []
    for s, shift in enumerate((-0.5, -1.0, -2.0)):
        ref, var = _errors(s, shift)
        # seed 1's reference file lists the pairs in reverse order
        ids = np.arange(N)
        path_a, path_b = _write(claim, tmp_path / f's{s}', var, ref, ids)
        if s == 1:
            save_per_pair(path_b, ids[::-1], {'diff': ref[::-1]})
        dirs.append(str(tmp_path / f's{s}'))
        diffs.append(var - ref)
    res = judge.judge_claim(claim, dirs, **CI)
    for e, d in zip(res.per_seed, diffs):
        assert e.diff == pytest.approx(np.mean(d))
    assert res.pooled.diff == pytest.approx(np.mean(np.concatenate(diffs)))
    assert res.pooled.low < res.pooled.diff < res.pooled.high
    spread = judge.seed_spread(res)
    assert spread.startswith(', '.join(judge.signed(np.mean(d))
                                       for d in diffs))
    assert spread.endswith(
        f'; sd {np.std([np.mean(d) for d in diffs], ddof=1):.2f}')


def test_missing_files_are_not_run(tmp_path):
    claim = BY_NAME['lcr']
    dirs = [str(tmp_path / f'studies_seed{s}') for s in range(3)]
    for s in (0, 2):
        ref, var = _errors(s, -1.0)
        _write(claim, dirs[s], var, ref)
    results = judge.judge_claims(dirs, **CI)
    assert [r.claim for r in results] == list(CLAIMS)  # none dropped
    lcr = results[CLAIMS.index(claim)]
    assert lcr.per_seed[1] is None and lcr.seeds_run == 2
    assert 'pooled over 2 of 3 seeds' in judge.readme_line(lcr)
    other = results[CLAIMS.index(BY_NAME['no_att_att'])]
    assert other.pooled is None and other.verdict == 'not run'
    assert judge.readme_line(other).startswith('**not run** — ')
    table = judge.results_table(results, dirs)
    lines = table.splitlines()
    assert len(lines) == 2 + len(CLAIMS)
    assert lines[0].startswith('| claim | paper | decided by | '
                               'studies_seed0 | studies_seed1 | '
                               'studies_seed2 | pooled |')
    row = lines[2 + CLAIMS.index(claim)]
    assert claim.sentence in row and claim.paper in row
    assert '| not run |' in row and row.endswith('| **reproduced** |')
    assert lines[2 + CLAIMS.index(BY_NAME['no_att_att'])].endswith(
        '| not run | not run | not run | not run | not run | **not run** |')


def test_table_lines_and_plot_from_the_command(tmp_path, capsys):
    claim = BY_NAME['lcr']
    dirs = [str(tmp_path / f'studies_seed{s}') for s in range(3)]
    for s, d in enumerate(dirs):
        ref, var = _errors(s, -1.25)
        _write(claim, d, var, ref)
    out = tmp_path / 'docs' / 'claims_results.md'
    text = judge.main(['--work-dirs', *dirs, '--out', str(out),
                       '--n-resamples', '500'])
    lcr = judge.judge_claim(claim, dirs, **CI)
    line = judge.readme_line(lcr)
    assert line.startswith(f'**reproduced** — {claim.sentence[:-1]}: −1.2')
    assert (f'{judge.format_estimate(lcr.pooled)} px pooled over 3 seeds '
            '(seed means −') in line
    assert '−' in judge.format_estimate(lcr.pooled)
    assert '-' not in judge.format_estimate(lcr.pooled)
    assert f'- {line}' in text and out.read_text() == text
    assert judge.results_table([lcr], dirs).splitlines()[-1] in text
    png = tmp_path / 'docs' / 'claims_results.png'
    assert png.stat().st_size > 1000
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert '![claims](claims_results.png)' in text
    assert str(out) in capsys.readouterr().out
