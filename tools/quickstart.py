"""The quick start: synthetic faces → stage 1 → stage 2 → matching → detection.

Every step is an ordinary tool command, printed before it runs, so a user can
re-run any of them alone::

    python tools/quickstart.py [--work-dir work_dirs/quickstart]
        [--data data/synthetic] [--num 600] [--seed 0]
        [--datasets mafl aflw_m aflw_r 300w]

It ends with one results table (matching same/different, NME per dataset)
written to ``<work-dir>/results.md`` and printed. Finished steps are skipped
when their outputs exist (``--force`` re-runs them).
"""
import argparse
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PY = sys.executable

#: dataset key → (config name, printed name, paper DeiT-T NME %)
DETECTION = {
    'mafl': ('mafl', 'MAFL', 2.20),
    'aflw_m': ('aflw_m', 'AFLW_M', 5.89),
    'aflw_r': ('aflw_r', 'AFLW_R (RO)', 5.54),
    '300w': ('300w', '300W', 4.22),
}
PAPER_MATCHING_T = (0.47, 1.99)  # DeiT-T, 64-d: same / different


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-dir', default='work_dirs/quickstart')
    p.add_argument('--data', default='data/synthetic',
                   help='synthetic data folder (configs read data/synthetic)')
    p.add_argument('--num', type=int, default=600, help='synthetic faces')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--datasets', nargs='+', default=list(DETECTION),
                   choices=list(DETECTION))
    p.add_argument('--force', action='store_true',
                   help='re-run steps whose outputs exist')
    return p.parse_args()


def run(cmd: List[str], title: str) -> None:
    """Run one tool command from the project root, streaming its output."""
    print(f'\n=== {title}\n$ {" ".join(shlex.quote(c) for c in cmd)}',
          flush=True)
    start = time.time()
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
    if proc.returncode != 0:
        sys.exit(f'quickstart: step "{title}" failed (exit {proc.returncode})'
                 f'; command: {" ".join(cmd)}')
    print(f'=== {title}: {time.time() - start:.0f} s', flush=True)


def last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint a Runner wrote last in ``work_dir`` (or None)."""
    marker = osp.join(ROOT, work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    return path if osp.isfile(path) else None


def train(config: str, work_dir: str, force: bool, title: str,
          options: Optional[List[str]] = None) -> str:
    """``tools/train.py`` unless a checkpoint is there; returns it."""
    ckpt = last_checkpoint(work_dir)
    if ckpt is None or force:
        cmd = [PY, 'tools/train.py', config, '--work-dir', work_dir]
        if options:
            cmd += ['--cfg-options', *options]
        run(cmd, title)
        ckpt = last_checkpoint(work_dir)
    else:
        print(f'\n=== {title}: done before ({ckpt})', flush=True)
    if ckpt is None:
        sys.exit(f'quickstart: {work_dir} holds no checkpoint after training')
    return ckpt


def test(config: str, ckpt: str, out: str, force: bool, title: str,
         options: Optional[List[str]] = None) -> Dict[str, float]:
    """``tools/test.py --out``; returns the metrics it wrote."""
    if force or not osp.isfile(osp.join(ROOT, out)):
        cmd = [PY, 'tools/test.py', config, ckpt, '--out', out,
               '--work-dir', osp.dirname(out)]
        if options:
            cmd += ['--cfg-options', *options]
        run(cmd, title)
    with open(osp.join(ROOT, out)) as f:
        return json.load(f)


def pick(metrics: Dict[str, float], suffix: str) -> float:
    """The value of the metric whose name ends with ``suffix``."""
    for key, value in metrics.items():
        if key.lower().endswith(suffix.lower()):
            return float(value)
    raise KeyError(f'no metric ending in {suffix!r} in {sorted(metrics)}')


def main() -> None:
    args = parse_args()
    start = time.time()
    wd = args.work_dir
    data = args.data
    if args.force or not osp.isfile(osp.join(ROOT, data, 'celeba', 'Eval',
                                             'list_eval_partition.txt')):
        run([PY, 'tools/make_synthetic_faces.py', '--out', data, '--num',
             str(args.num), '--seed', str(args.seed)],
            f'synthetic faces ({args.num}, seed {args.seed}) → {data}')
    syn = 'configs/synthetic'
    stage1 = train(f'{syn}/sce_mae_deit_t_stage1_synthetic.py',
                   f'{wd}/stage1', args.force, 'stage 1: MAE (DeiT-T)')
    stage2 = train(f'{syn}/sce_mae_deit_t_stage2_synthetic.py',
                   f'{wd}/stage2', args.force, 'stage 2: CARB + LCR',
                   [f'model.backbone.checkpoint={stage1}'])
    match = test(f'{syn}/sce_mae_deit_t_mafl_matching_synthetic.py', stage2,
                 f'{wd}/matching/metrics.json', args.force,
                 'MAFL landmark matching')
    rows = []
    for key in args.datasets:
        name, label, paper = DETECTION[key]
        cfg = f'{syn}/sce_mae_deit_t_{name}_synthetic.py'
        ckpt = train(cfg, f'{wd}/det_{name}', args.force,
                     f'detection head: train on {label}',
                     [f'model.init_cfg.checkpoint={stage2}'])
        metrics = test(cfg, ckpt, f'{wd}/det_{name}/test/metrics.json',
                       args.force, f'detection: test on {label}')
        rows.append((label, pick(metrics, 'NME'), paper))

    same, diff = pick(match, 'same'), pick(match, 'diff')
    lines = [
        '| task | synthetic (this run, DeiT-T) | paper (real data, DeiT-T) |',
        '|---|---|---|',
        f'| MAFL matching, same identity (px) | {same:.2f} | '
        f'{PAPER_MATCHING_T[0]:.2f} |',
        f'| MAFL matching, different identity (px) | {diff:.2f} | '
        f'{PAPER_MATCHING_T[1]:.2f} |',
    ]
    lines += [f'| {label} detection NME (%) | {nme:.2f} | {paper:.2f} |'
              for label, nme, paper in rows]
    table = '\n'.join(lines)
    with open(osp.join(ROOT, wd, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print('\n' + table)
    print(f'\nquickstart finished in {time.time() - start:.0f} s; table in '
          f'{wd}/results.md')


if __name__ == '__main__':
    main()
