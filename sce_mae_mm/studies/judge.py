"""The verdict of every claim of :mod:`.claims` from the study runs of
several training seeds (``tools/studies/judge_claims.py``).

Each seed is one ``run_study.py`` work dir (``--work-dir
work_dirs/studies_seedS``, every study run from that seed's stage 1). For a
claim and a seed, the variant's and the reference's per-unit files
(:func:`.plan.per_unit_path`: ``eval/NAME_per_pair.npz`` of the matching,
``eval/NAME_per_image.npz`` of the detection) are aligned by pair / image
id, and the paired difference ``variant - reference`` of the claim's
metric key is bootstrapped on those units (:func:`paired_difference`:
95 % BCa interval, fixed seed). A claim whose files are missing on a seed
is **not run** there (a row of its own, never dropped).

Pooled over the seeds: the seeds' per-unit differences are stacked (N
pairs x S seeds -> S N units, each pair once per seed) and bootstrapped
over those units, so the pooled difference is the mean of the stacked
differences. That interval is over pairs only: it does not count the
variance between training seeds (the seeds' own means, printed beside it
with their spread, show that variance; the per-seed verdicts say whether
each seed alone settles the claim).

A detection claim (``det_mafl/NME``) compares per-face NME (percent, mean
over the face's counted points), each face weighing the same: equal to
the metric's ``NME`` difference where every face counts all its points
(MAFL: 5 visible landmarks).
"""
import math
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..evaluation.functional.bootstrap import (CONFIDENCE, METHOD, N_RESAMPLES,
                                               SEED, paired_difference)
from ..evaluation.functional.per_pair import align_runs
from . import plan
from .claims import CLAIMS, Claim, claim_verdict

NOT_RUN = 'not run'
_COMPONENTS = {'raw_mae': 'raw', 'clustering': 'clustering',
               'sce_mae': 'lcr', 'sce_mae_stride8': 'stride8'}
_BASELINES = {'sce_mae': 'ours', 'cl': 'cl', 'lead': 'lead'}


def row_key(study: str, name: str) -> object:
    """The :func:`.plan.study_rows` key of a claim's variant name
    (``layer_2`` -> 2, ``drop_25`` -> 0.25, ``r_att_att_0`` ->
    ``'r_att_att'``, ``all`` -> None, ...).

    Raises:
        ValueError: a name no row of ``study`` is for.
    """
    try:
        if study == 'components':
            return _COMPONENTS[name]
        if study == 'baselines':
            return _BASELINES[name]
        if study == 'cluster_layer' and name.startswith('layer_'):
            return int(name[len('layer_'):])
        if study == 'num_clusters' and name.startswith('k_'):
            return int(name[len('k_'):])
        if study == 'drop_rate' and name.startswith('drop_'):
            return int(name[len('drop_'):]) / 100
        if study == 'correspondence':
            if name == 'all':
                return None
            if name.endswith('_0'):
                return name[:-2]
    except (KeyError, ValueError):
        pass
    raise ValueError(f'judge: no row of study {study!r} is variant {name!r}')


def _find_row(rows: Sequence[plan.Row], key: object, name: str,
              study: str) -> plan.Row:
    for row in rows:
        same = (isinstance(key, float) and isinstance(row.key, float)
                and math.isclose(row.key, key)) or row.key == key
        if same:
            return row
    raise ValueError(f'judge: study {study!r} has no row {key!r} (variant '
                     f'{name!r}) in its full grid')


def claim_files(claim: Claim, work_dir: str,
                arch: str = 'deit-t') -> Tuple[str, str]:
    """(variant file, reference file): the per-unit files of a claim's two
    variants in one ``run_study.py`` work dir (the full grid's layout)."""
    role = claim.metric.split('/', 1)[0]
    ctx = plan.Context(stage1='', arch=arch, work_dir=work_dir, grid='full')
    rows = plan.study_rows(claim.study, ctx)
    paths = []
    for name in (claim.variant, claim.reference):
        row = _find_row(rows, row_key(claim.study, name), name, claim.study)
        if role not in row.evals:
            raise ValueError(f'judge: {claim.name}: row {row.key!r} of '
                             f'{claim.study!r} has no {role!r} evaluation')
        paths.append(plan.per_unit_path(ctx, row.variant, row.evals[role]))
    return paths[0], paths[1]


@dataclass
class Estimate:
    """``variant - reference`` on the units of one seed (or pooled).

    Attributes:
        diff: mean difference; low, high: its 95 % interval.
        verdict: :func:`.claims.claim_verdict` of the interval.
        units: pairs or faces (pooled: summed over the seeds).
    """
    diff: float
    low: float
    high: float
    verdict: str
    units: int


@dataclass
class ClaimResult:
    """One claim over the seeds: ``per_seed[i]`` is None where seed ``i``
    has not run it; ``pooled`` is None where no seed has."""
    claim: Claim
    per_seed: List[Optional[Estimate]] = field(default_factory=list)
    pooled: Optional[Estimate] = None

    @property
    def seeds_run(self) -> int:
        return sum(e is not None for e in self.per_seed)

    @property
    def verdict(self) -> str:
        return self.pooled.verdict if self.pooled else NOT_RUN


def _estimate(claim: Claim, a: np.ndarray, b: np.ndarray,
              ci: Dict) -> Estimate:
    diff, low, high = paired_difference(a, b, **ci)
    return Estimate(diff, low, high, claim_verdict(claim, low, high), len(a))


def judge_claim(claim: Claim, work_dirs: Sequence[str],
                arch: str = 'deit-t', **ci) -> ClaimResult:
    """A claim's per-seed and pooled differences.

    Args:
        claim: the claim.
        work_dirs: one ``run_study.py`` work dir per seed.
        arch: the backbone folder under each work dir.
        **ci: ``confidence``, ``n_resamples``, ``method``, ``seed`` of
            :func:`paired_difference`.

    Raises:
        ValueError: a file lacks the metric key or the two variants'
            files hold other units (names the files).
    """
    key = claim.metric.split('/', 1)[1]
    result = ClaimResult(claim)
    stacked_a, stacked_b = [], []
    for work_dir in work_dirs:
        path_a, path_b = claim_files(claim, work_dir, arch)
        if not (osp.isfile(path_a) and osp.isfile(path_b)):
            result.per_seed.append(None)
            continue
        _, a, b = align_runs(path_a, path_b, key)
        result.per_seed.append(_estimate(claim, a, b, ci))
        stacked_a.append(a)
        stacked_b.append(b)
    if stacked_a:
        result.pooled = _estimate(claim, np.concatenate(stacked_a),
                                  np.concatenate(stacked_b), ci)
    return result


def judge_claims(work_dirs: Sequence[str], arch: str = 'deit-t',
                 claims: Sequence[Claim] = CLAIMS,
                 confidence: float = CONFIDENCE,
                 n_resamples: int = N_RESAMPLES, method: str = METHOD,
                 seed: int = SEED) -> List[ClaimResult]:
    """:func:`judge_claim` of every claim, in the order of ``claims``."""
    ci = dict(confidence=confidence, n_resamples=n_resamples,
              method=method, seed=seed)
    return [judge_claim(c, work_dirs, arch, **ci) for c in claims]


# ------------------------------------------------------------ output
def unit(claim: Claim) -> str:
    """The unit of a claim's difference."""
    return 'px' if claim.metric.startswith('matching/') else '% NME'


def signed(value: float) -> str:
    """Two decimals with a typographic minus (``'−1.23'``)."""
    return f'{value:.2f}'.replace('-', '−')


def format_estimate(e: Optional[Estimate]) -> str:
    """``'−1.23 [−1.50, −0.97]'``, or 'not run'."""
    if e is None:
        return NOT_RUN
    return f'{signed(e.diff)} [{signed(e.low)}, {signed(e.high)}]'


def seed_spread(result: ClaimResult) -> str:
    """The seeds' own means and their standard deviation (ddof 1)."""
    means = [e.diff for e in result.per_seed if e is not None]
    if not means:
        return NOT_RUN
    text = ', '.join(signed(m) for m in means)
    if len(means) > 1:
        text += f'; sd {np.std(means, ddof=1):.2f}'
    return text


def seed_labels(work_dirs: Sequence[str]) -> List[str]:
    """Column names: each work dir's folder name (``seed i`` where two
    share a name)."""
    names = [osp.basename(osp.normpath(w)) for w in work_dirs]
    if len(set(names)) != len(names):
        names = [f'seed {i}' for i in range(len(work_dirs))]
    return names


def results_table(results: Sequence[ClaimResult],
                  work_dirs: Sequence[str]) -> str:
    """Markdown table: claim, paper, each seed's difference with its
    interval and verdict, pooled, the seeds' means, pooled verdict."""
    seeds = seed_labels(work_dirs)
    head = (['claim', 'paper', 'decided by'] + seeds +
            ['pooled', 'seed means', 'verdict'])
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for r in results:
        c = r.claim
        cells = [f'{c.sentence} ({c.source})', c.paper,
                 f'{c.variant} − {c.reference}, `{c.metric}`, '
                 f'{c.better} 0']
        cells += [NOT_RUN if e is None else
                  f'{format_estimate(e)} {unit(c)}, {e.verdict}'
                  for e in r.per_seed]
        pooled = format_estimate(r.pooled)
        if r.pooled is not None:
            pooled += (f' {unit(c)} ({r.seeds_run} of {len(r.per_seed)} '
                       f'seeds, {r.pooled.units} units)')
        cells += [pooled, seed_spread(r), f'**{r.verdict}**']
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def readme_line(result: ClaimResult) -> str:
    """One line for the README: ``'**reproduced** — Adding LCR ...:
    −1.23 [−1.50, −0.97] px pooled over 3 seeds'``."""
    c, n, total = result.claim, result.seeds_run, len(result.per_seed)
    sentence = c.sentence.rstrip('.')
    if result.pooled is None:
        return (f'**{NOT_RUN}** — {sentence}: no seed of {total} has the '
                f'per-unit files of both {c.variant} and {c.reference}')
    over = f'{n} seed' + ('s' if n != 1 else '')
    if n != total:
        over = f'{n} of {total} seeds'
    return (f'**{result.verdict}** — {sentence}: '
            f'{format_estimate(result.pooled)} {unit(c)} pooled over {over} '
            f'(seed means {seed_spread(result)})')


def plot_results(results: Sequence[ClaimResult], work_dirs: Sequence[str],
                 path: str) -> str:
    """Each claim's per-seed and pooled intervals as horizontal error bars
    around 0 (PNG at ``path``; matplotlib's object API, no pyplot)."""
    from ..visualization.canvas import new_figure, save_png
    seeds = seed_labels(work_dirs)
    fig = new_figure((8, 1.2 + 0.22 * len(results) * (len(seeds) + 1)))
    ax = fig.subplots()
    colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b']
    step = 0.8 / (len(seeds) + 1)
    labelled = set()
    for row, r in enumerate(results):
        y0 = -row
        if r.pooled is None:
            ax.text(0, y0, NOT_RUN, fontsize=7, va='center', ha='center',
                    color='#777777')
            continue
        entries = [(s, e) for s, e in zip(seeds, r.per_seed)]
        entries.append(('pooled', r.pooled))
        for k, (label, e) in enumerate(entries):
            y = y0 + 0.4 - step * (k + 0.5)
            color = 'black' if label == 'pooled' else colors[k % len(colors)]
            if e is None:
                ax.text(0, y, f'{label}: {NOT_RUN}', fontsize=6, va='center',
                        ha='center', color='#777777')
                continue
            ax.errorbar([e.diff], [y], xerr=[[e.diff - e.low],
                                             [e.high - e.diff]],
                        fmt='o' if label == 'pooled' else '.',
                        color=color, capsize=2, lw=1.5 if label ==
                        'pooled' else 1,
                        label=None if label in labelled else label)
            labelled.add(label)
    ax.axvline(0, color='#999999', lw=0.8)
    ax.set_yticks([-row for row in range(len(results))])
    ax.set_yticklabels([f'{r.claim.name} ({r.claim.better} 0, '
                        f'{unit(r.claim)}): {r.verdict}' for r in results],
                       fontsize=7)
    ax.set_xlabel('variant − reference, 95 % interval (px; % NME for '
                  'detection claims)')
    if labelled:
        ax.legend(fontsize=7, loc='upper left', bbox_to_anchor=(1., 1.))
    ax.set_title("The paper's claims: paired differences per seed and "
                 'pooled', fontsize=9)
    fig.tight_layout()
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    return save_png(fig, path, dpi=110)


# ------------------------------------------------------------ command
def main(argv: Optional[List[str]] = None) -> str:
    """``tools/studies/judge_claims.py``: judge every claim, print the
    table and the README lines, write them (``--out``) and the plot."""
    import argparse
    p = argparse.ArgumentParser(
        description="Verdicts of the paper's claims from the studies of "
        'several seeds (docs/studies/README.md).')
    p.add_argument('--work-dirs', nargs='+', required=True,
                   help="each seed's run_study.py --work-dir")
    p.add_argument('--arch', default='deit-t', choices=sorted(plan.ARCHS),
                   help='backbone folder under each work dir')
    p.add_argument('--out', help='markdown file to write (the plot goes '
                   'beside it, same name, .png)')
    p.add_argument('--png', help='plot file (default: --out with .png)')
    p.add_argument('--n-resamples', type=int, default=N_RESAMPLES)
    p.add_argument('--bootstrap-seed', type=int, default=SEED)
    args = p.parse_args(argv)
    results = judge_claims(args.work_dirs, args.arch,
                           n_resamples=args.n_resamples,
                           seed=args.bootstrap_seed)
    text = ('## Claims: verdicts\n\nPaired differences variant − reference '
            'on the same pairs (faces), 95 % BCa intervals; pooled: the '
            "seeds' per-unit differences stacked, an interval over units "
            'that does not count the variance between training seeds (see '
            'the seed means).\n\n' +
            results_table(results, args.work_dirs) + '\n\n' +
            '\n'.join(f'- {readme_line(r)}' for r in results) + '\n')
    print(text)
    png = args.png or (osp.splitext(args.out)[0] + '.png' if args.out
                       else None)
    if png:
        plot_results(results, args.work_dirs, png)
        text += f'\n![claims]({osp.basename(png)})\n'
        print(f'plot: {png}')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write(text)
        print(f'written: {args.out}')
    return text
