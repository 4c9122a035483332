"""The quick start: synthetic faces → stage 1 → stage 2 → matching → detection.

Every step is an ordinary tool command, printed before it runs, so a user can
re-run any of them alone::

    python tools/quickstart.py [--long] [--seed 0] [--num N]
        [--work-dir DIR] [--data DIR] [--datasets mafl aflw_m aflw_r 300w]

It ends with the results tables, each learned number beside its trivial
baseline (same-location for matching, mean shape for detection) and the
paper's, and a check of what the run must show, written to
``<work-dir>/results.md`` and printed. ``--long`` uses a larger synthetic
set and a longer stage 1; ``--curve`` adds the learning curve (matching
error and NME against stage-1 images seen, one point per kept stage-1
checkpoint) as ``<work-dir>/learning_curve.png``.
Finished steps are skipped when their outputs exist (``--force`` re-runs).
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
sys.path.insert(0, ROOT)
PY = sys.executable
SYN = 'configs/synthetic'

#: dataset key → (printed name, paper DeiT-T NME %)
DETECTION = {
    'mafl': ('MAFL', 2.20),
    'aflw_m': ('AFLW_M', 5.89),
    'aflw_r': ('AFLW_R (RO)', 5.54),
    '300w': ('300W', 4.22),
}
#: paper, real MAFL: SCE-MAE DeiT-T (Table 1) and raw MAE features (Table 4)
PAPER_MATCHING = dict(sce=(0.47, 1.99), raw=(0.55, 3.51))
#: the two run sizes: faces, stage-1 config, default work dir
PROFILES = {
    'short': dict(num=3000, stage1=f'{SYN}/sce_mae_deit_t_stage1_synthetic.py',
                  work_dir='work_dirs/quickstart'),
    'long': dict(num=8000,
                 stage1=f'{SYN}/sce_mae_deit_t_stage1_synthetic_long.py',
                 work_dir='work_dirs/quickstart_long'),
}
DET_TARGET = 0.7  # a head must reach below 0.7 x the mean-shape NME


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--long', action='store_true',
                   help='larger set, longer stage 1, learning curve')
    p.add_argument('--work-dir', default=None)
    p.add_argument('--data', default=None,
                   help='synthetic data folder (default data/synthetic, '
                   'data/synthetic_long with --long, _seedS for seed S)')
    p.add_argument('--num', type=int, default=None, help='synthetic faces')
    p.add_argument('--seed', type=int, default=0,
                   help='seed of the synthetic set and of training')
    p.add_argument('--datasets', nargs='+', default=list(DETECTION),
                   choices=list(DETECTION))
    p.add_argument('--curve', action='store_true',
                   help='learning curve from the kept stage-1 checkpoints')
    p.add_argument('--force', action='store_true',
                   help='re-run steps whose outputs exist')
    args = p.parse_args()
    prof = PROFILES['long' if args.long else 'short']
    suffix = f'_seed{args.seed}' if args.seed else ''
    args.num = args.num or prof['num']
    args.stage1 = prof['stage1']
    args.work_dir = args.work_dir or prof['work_dir'] + suffix
    args.data = args.data or ('data/synthetic_long' if args.long
                              else 'data/synthetic') + suffix
    return args


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


def is_final(ckpt: str, config: str) -> bool:
    """Whether ``ckpt`` is the last epoch of ``config``'s schedule (an
    interrupted run leaves an earlier one, which is resumed, not used)."""
    from mmengine.config import Config
    epochs = Config.fromfile(osp.join(ROOT, config)).train_cfg.max_epochs
    return osp.basename(ckpt) == f'epoch_{epochs}.pth'


class Steps:
    """The tool commands of one run, sharing its data and seed."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    def data_options(self, loaders: List[str]) -> List[str]:
        """``--cfg-options`` pointing the loaders at this run's data."""
        subdirs = dict(mafl='celeba', aflw_m='aflw-mtfl',
                       aflw_r='aflw/aflw_release-2', **{'300w': '300w/300w'})
        opts = [f'randomness.seed={self.args.seed}']
        for loader in loaders:
            name, _, key = loader.partition(':')
            root = osp.join(self.args.data, subdirs.get(key, 'celeba'))
            opts.append(f'{name}.dataset.data_root={root}')
        return opts

    def train(self, config: str, work_dir: str, title: str,
              options: List[str], loaders: List[str]) -> str:
        """``tools/train.py`` unless a checkpoint is there; returns it."""
        ckpt = last_checkpoint(work_dir)
        if ckpt is None or self.args.force or not is_final(ckpt, config):
            cmd = [PY, 'tools/train.py', config, '--work-dir', work_dir,
                   '--cfg-options', *options, *self.data_options(loaders)]
            if ckpt is not None and not self.args.force:
                cmd.insert(3, '--resume')  # an interrupted run
                title += f' (resumed from {osp.basename(ckpt)})'
            run(cmd, title)
            ckpt = last_checkpoint(work_dir)
        else:
            print(f'\n=== {title}: done before ({ckpt})', flush=True)
        if ckpt is None:
            sys.exit(f'quickstart: {work_dir} holds no checkpoint after '
                     'training')
        return ckpt

    def test(self, config: str, ckpt: str, out: str, title: str,
             loaders: List[str]) -> Dict[str, float]:
        """``tools/test.py --out``; returns the metrics it wrote."""
        if self.args.force or not osp.isfile(osp.join(ROOT, out)):
            cmd = [PY, 'tools/test.py', config, ckpt, '--out', out,
                   '--work-dir', osp.dirname(out), '--cfg-options',
                   *self.data_options(loaders)]
            run(cmd, title)
        with open(osp.join(ROOT, out)) as f:
            return json.load(f)

    def stage2_and_matching(self, stage1: str, wd: str) -> Dict:
        """Stage 2 on a stage-1 checkpoint, then raw and SCE-MAE matching."""
        stage2 = self.train(f'{SYN}/sce_mae_deit_t_stage2_synthetic.py',
                            f'{wd}/stage2', 'stage 2: CARB + LCR',
                            [f'model.backbone.checkpoint={stage1}'],
                            ['train_dataloader'])
        sce = self.test(f'{SYN}/sce_mae_deit_t_mafl_matching_synthetic.py',
                        stage2, f'{wd}/matching/metrics.json',
                        'MAFL landmark matching (SCE-MAE projector)',
                        ['test_dataloader'])
        raw = self.test(f'{SYN}/raw_mae_deit_t_mafl_matching_synthetic.py',
                        stage2, f'{wd}/matching_raw/metrics.json',
                        'MAFL landmark matching (raw MAE features)',
                        ['test_dataloader'])
        return dict(stage2=stage2, sce=sce, raw=raw)

    def detection(self, key: str, stage2: str, wd: str) -> Dict:
        """Train and test one detection head on the frozen features."""
        label = DETECTION[key][0]
        cfg = f'{SYN}/sce_mae_deit_t_{key}_synthetic.py'
        loaders = [f'{n}:{key}' for n in ('train_dataloader',
                                          'val_dataloader',
                                          'test_dataloader')]
        ckpt = self.train(cfg, f'{wd}/det_{key}',
                          f'detection head: train on {label}',
                          [f'model.init_cfg.checkpoint={stage2}'], loaders)
        return self.test(cfg, ckpt, f'{wd}/det_{key}/test/metrics.json',
                         f'detection: test on {label}', loaders)


def value(metrics: Dict[str, float], key: str) -> float:
    """``metrics[key]``, also under a ``prefix/`` (e.g. ``matching/``)."""
    for name, val in metrics.items():
        if name == key or name.endswith('/' + key):
            return float(val)
    raise KeyError(f'quickstart: no metric {key!r} in {sorted(metrics)}')


def matching_row(name: str, m: Dict, paper: str) -> str:
    sil = (f'{value(m, "silhouette"):.3f}'
           if any(k.endswith('silhouette') for k in m) else '–')
    return (f'| {name} | {value(m, "same"):.2f} | {value(m, "diff"):.2f} | '
            f'{sil} | {paper} |')


def report(args: argparse.Namespace, match: Dict, det: Dict[str, Dict],
           seconds: float) -> str:
    """The results tables and the checks, as markdown."""
    raw, sce = match['raw'], match['sce']
    base = {g: value(sce, f'{g}_baseline') for g in ('same', 'diff')}
    lines = [
        f'Synthetic faces: {args.num} (seed {args.seed}), DeiT-T, '
        f'{"long" if args.long else "short"} run, {seconds / 60:.1f} min.',
        '', '**MAFL landmark matching** (mean error, px in the 70-px frame; '
        'lower is better)', '',
        '| features | same identity | different identity | silhouette '
        '| paper (real MAFL) |', '|---|---|---|---|---|',
        f'| same-location baseline | {base["same"]:.2f} | '
        f'{base["diff"]:.2f} | – | – |',
        matching_row('raw MAE features (stage 1)', raw,
                     '%.2f / %.2f' % PAPER_MATCHING['raw']),
        matching_row('SCE-MAE (stage 2 projector)', sce,
                     '%.2f / %.2f' % PAPER_MATCHING['sce']), '',
        '**Landmark detection** (NME %, inter-ocular, 96-px input frame; '
        'lower is better)', '',
        '| dataset | mean-shape baseline | target (0.7 × baseline) | '
        'SCE-MAE head | paper (real data) |', '|---|---|---|---|---|'
    ]
    checks = []
    for group in ('same', 'diff'):
        for kind, m in (('raw MAE', raw), ('SCE-MAE', sce)):
            checks.append((f'{kind} below the same-location baseline '
                           f'({group})', value(m, group) < base[group]))
    checks.append(('SCE-MAE below raw MAE on different identity',
                   value(sce, 'diff') < value(raw, 'diff')))
    for key, metrics in det.items():
        label, paper = DETECTION[key]
        nme, mean = value(metrics, 'NME'), value(metrics, 'NME_mean_shape')
        lines.append(f'| {label} | {mean:.2f} | {DET_TARGET * mean:.2f} | '
                     f'{nme:.2f} | {paper:.2f} |')
        checks.append((f'{label} head below {DET_TARGET} × mean shape',
                       nme < DET_TARGET * mean))
    lines += ['', '**Checks**', '']
    lines += [f'- [{"x" if ok else " "}] {text}' +
              ('' if ok else ' — NOT MET') for text, ok in checks]
    return '\n'.join(lines)


def learning_curve(steps: Steps, args: argparse.Namespace, final: Dict,
                   final_det: Dict) -> None:
    """Every kept stage-1 checkpoint through stage 2, matching and MAFL."""
    from mmengine.config import Config

    from sce_mae_mm.visualization.learning_curve import plot_learning_curve
    wd = args.work_dir
    cfg = Config.fromfile(osp.join(ROOT, args.stage1))
    with open(osp.join(ROOT, args.data, 'synthetic_manifest.json')) as f:
        per_epoch = json.load(f)['counts']['celeba_train']
    per_epoch -= per_epoch % cfg.train_dataloader.batch_size  # drop_last
    epochs = sorted(int(n[6:-4]) for n in os.listdir(osp.join(ROOT, wd,
                                                              'stage1'))
                    if n.startswith('epoch_') and n.endswith('.pth'))
    points = []
    for epoch in epochs:
        if epoch == cfg.train_cfg.max_epochs:
            match, det = final, final_det
        else:
            pwd = f'{wd}/curve/epoch_{epoch}'
            match = steps.stage2_and_matching(
                f'{wd}/stage1/epoch_{epoch}.pth', pwd)
            det = steps.detection('mafl', match['stage2'], pwd)
        point = dict(images_seen=epoch * per_epoch, epoch=epoch,
                     nme=value(det, 'NME'))
        for kind in ('raw', 'sce'):
            for group in ('same', 'diff'):
                point[f'{kind}_{group}'] = value(match[kind], group)
        points.append(point)
    sce = final['sce']
    baselines = dict(same=value(sce, 'same_baseline'),
                     diff=value(sce, 'diff_baseline'),
                     nme=value(final_det, 'NME_mean_shape'))
    with open(osp.join(ROOT, wd, 'learning_curve.json'), 'w') as f:
        json.dump(dict(points=points, baselines=baselines), f, indent=1)
    plot_learning_curve(points, baselines,
                        osp.join(ROOT, wd, 'learning_curve.png'),
                        f'synthetic faces ({args.num}, seed {args.seed}), '
                        'DeiT-T')
    print(f'\nlearning curve: {wd}/learning_curve.png')


def main() -> None:
    args = parse_args()
    start = time.time()
    wd = args.work_dir
    manifest = osp.join(ROOT, args.data, 'synthetic_manifest.json')
    if args.force or not osp.isfile(manifest):
        run([PY, 'tools/make_synthetic_faces.py', '--out', args.data,
             '--num', str(args.num), '--seed', str(args.seed)],
            f'synthetic faces ({args.num}, seed {args.seed}) → {args.data}')
    steps = Steps(args)
    stage1 = steps.train(args.stage1, f'{wd}/stage1', 'stage 1: MAE (DeiT-T)',
                         [], ['train_dataloader'])
    match = steps.stage2_and_matching(stage1, wd)
    det = {key: steps.detection(key, match['stage2'], wd)
           for key in args.datasets}
    if args.curve:
        learning_curve(steps, args, match, det['mafl'] if 'mafl' in det
                       else steps.detection('mafl', match['stage2'], wd))
    table = report(args, match, det, time.time() - start)
    with open(osp.join(ROOT, wd, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print('\n' + table)
    print(f'\nquickstart finished in {time.time() - start:.0f} s; tables in '
          f'{wd}/results.md')


if __name__ == '__main__':
    main()
