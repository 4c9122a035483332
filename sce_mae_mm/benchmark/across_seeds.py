"""The quick start (or ``--long``) on several training seeds, one table.

    python tools/studies/across_seeds.py --seeds 100 101 102 103 104 [--long]

Each seed is an ordinary ``tools/quickstart.py --seed S`` run (its own
synthetic set and work dir, finished steps skipped, so the command resumes
where it stopped); ``--tables-only`` reads the finished ones. Per seed: SCE-
MAE and raw MAE different identity, the same-location baseline, the paired
difference SCE-MAE − baseline with its interval and verdict under both
scoring rules, the mirror and far rates, and the four heads over their
mean shape; then the mean, the standard deviation over seeds and how many
seeds cross (paired interval wholly below 0). Seeds 100-104 are the
validation seeds: no results table reports them, recipes are chosen on
them.
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional

import numpy as np

from ..evaluation.functional.bootstrap import verdict
from .quickstart import PROFILES
from .quickstart_steps import CODE, PY, ROOT
from .tables import (DETECTION, fmt, fmt_ci, has, markdown_lines, value,
                     with_point_differences)

QUICKSTART = osp.join(CODE, 'tools/quickstart.py')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seeds', type=int, nargs='+',
                   default=[100, 101, 102, 103, 104])
    p.add_argument('--long', action='store_true', help='the long mode')
    p.add_argument('--fp32', action='store_true')
    p.add_argument('--tables-only', action='store_true',
                   help='no runs: the table of the finished seeds')
    p.add_argument('--out', default=None,
                   help='markdown file (default: work_dirs/across_seeds_'
                   '{short,long}.md)')
    return p.parse_args(argv)


def work_dir(seed: int, long: bool) -> str:
    """The quick start's default work dir of ``seed``."""
    base = PROFILES['long' if long else 'short']['work_dir']
    return base + (f'_seed{seed}' if seed else '')


def read_seed(seed: int, long: bool) -> Optional[Dict[str, Dict]]:
    """The metrics of a finished run (None while any is missing)."""
    wd = osp.join(ROOT, work_dir(seed, long))
    parts = dict(sce='matching', raw='matching_raw',
                 **{k: f'det_{k}/test' for k in DETECTION})
    out = {}
    for key, sub in parts.items():
        path = osp.join(wd, sub, 'metrics.json')
        if not osp.isfile(path):
            return None
        with open(path) as f:
            out[key] = json.load(f)
    return out


def seed_row(seed: int, m: Dict[str, Dict]) -> List[str]:
    raw = with_point_differences(m['raw'])
    sce = with_point_differences(m['sce'], raw)
    cells = [str(seed), fmt_ci(sce, 'diff'), fmt(raw, 'diff'),
             fmt(sce, 'diff_baseline')]
    for key in ('diff_minus_baseline', 'diff_dve_minus_baseline'):
        cells += [fmt_ci(sce, key), _verdict(sce, key)]
    cells += [fmt(sce, 'diff_mirror_rate', '.3f'),
              fmt(sce, 'diff_far_rate', '.3f')]
    cells += [fmt_ci(with_point_differences(m[k]), 'NME_over_mean_shape')
              for k in DETECTION]
    return cells


def _verdict(metrics: Dict[str, float], key: str) -> str:
    if not has(metrics, f'{key}_ci_low'):
        return '–'
    return verdict(value(metrics, f'{key}_ci_low'),
                   value(metrics, f'{key}_ci_high'))


def summary_rows(runs: Dict[int, Dict[str, Dict]]) -> List[List[str]]:
    """Mean ± standard deviation over seeds, and the crossing count."""
    def column(kind: str, key: str) -> np.ndarray:
        return np.array([value(with_point_differences(m[kind]), key)
                         for m in runs.values()])
    rows = []
    for label, kind, key in (('SCE-MAE diff', 'sce', 'diff'),
                             ('raw MAE diff', 'raw', 'diff'),
                             ('baseline diff', 'sce', 'diff_baseline'),
                             ('SCE-MAE − baseline', 'sce',
                              'diff_minus_baseline'),
                             ("SCE-MAE − baseline (DVE's rule)", 'sce',
                              'diff_dve_minus_baseline')):
        vals = column(kind, key)
        rows.append([label, f'{vals.mean():.2f}', f'{vals.std(ddof=1):.2f}'
                     if len(vals) > 1 else '–'])
    for key in DETECTION:
        vals = column(key, 'NME_over_mean_shape')
        rows.append([f'{DETECTION[key][0]} head / mean shape',
                     f'{vals.mean():.2f}', f'{vals.std(ddof=1):.2f}'
                     if len(vals) > 1 else '–'])
    for rule, key in (('ours', 'diff_minus_baseline'),
                      ("DVE's", 'diff_dve_minus_baseline')):
        crossed = sum(_verdict(with_point_differences(m['sce']), key) ==
                      'met' for m in runs.values())
        rows.append([f'seeds crossing ({rule} rule, interval below 0)',
                     f'{crossed} of {len(runs)}', ''])
    return rows


def landmark_names(sce: Dict[str, float]) -> List[str]:
    """The landmarks of the metric's per-landmark keys
    (``matching/diff_baseline_{name}``), in the metric's order."""
    head = 'diff_baseline_'
    names = []
    for key in sce:
        name = key.split('/')[-1]
        if name.startswith(head) and not any(
                t in name for t in ('ci_', 'within_', '_rate', 'minus')):
            names.append(name[len(head):])
    return names


def landmark_rows(runs: Dict[int, Dict[str, Dict]]) -> List[List[str]]:
    """Per seed: each landmark's different-identity error, SCE-MAE
    (baseline), where a failing seed loses its margin."""
    rows = []
    for seed, m in runs.items():
        sce = m['sce']
        rows.append([str(seed)] + [
            f"{fmt(sce, f'diff_{n}')} ({fmt(sce, f'diff_baseline_{n}')})"
            for n in landmark_names(sce)])
    return rows


def table(runs: Dict[int, Dict[str, Dict]], long: bool) -> str:
    mode = '--long' if long else 'quick start'
    heads = [f'{DETECTION[k][0]} / mean shape' for k in DETECTION]
    return '\n'.join([
        f'**{mode} across training seeds** (different identity, px in the '
        '70-px frame, 95 % intervals over 500 pairs)', '',
        *markdown_lines(['seed', 'SCE-MAE diff', 'raw MAE diff', 'baseline',
                         'SCE − baseline', 'verdict',
                         "SCE − baseline (DVE's rule)", 'verdict',
                         'mirror', 'far', *heads],
                        [seed_row(s, m) for s, m in runs.items()]), '',
        *markdown_lines(['over seeds', 'mean', 'std'], summary_rows(runs)),
        *_landmark_table(runs)])


def _landmark_table(runs: Dict[int, Dict[str, Dict]]) -> List[str]:
    names = landmark_names(next(iter(runs.values()))['sce'])
    if not names:
        return []
    return ['', '**by landmark** (SCE-MAE different identity, px; the '
            'same-location baseline in brackets)', '',
            *markdown_lines(['seed', *names], landmark_rows(runs))]


def main(argv: Optional[List[str]] = None) -> str:
    args = parse_args(argv)
    for seed in ([] if args.tables_only else args.seeds):
        cmd = [PY, QUICKSTART, '--seed', str(seed),
               *(['--long'] if args.long else []),
               *(['--fp32'] if args.fp32 else [])]
        print(f'\n##### seed {seed}\n$ {" ".join(cmd)}', flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            sys.exit(f'across_seeds: seed {seed} failed; rerun the same '
                     'command to resume')
    runs = {s: m for s in args.seeds
            if (m := read_seed(s, args.long)) is not None}
    if not runs:
        sys.exit('across_seeds: no finished seed yet')
    text = table(runs, args.long)
    out = args.out or osp.join(
        ROOT, 'work_dirs', f'across_seeds_{"long" if args.long else "short"}'
        '.md')
    with open(out, 'w') as f:
        f.write(text + '\n')
    print('\n' + text)
    return text
