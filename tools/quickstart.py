"""The quick start: synthetic faces → stage 1 → stage 2 → matching → detection.

Every step is an ordinary tool command, printed before it runs, so a user can
re-run any of them alone::

    python tools/quickstart.py [--long | --reference] [--seed 0] [--num N]
        [--work-dir DIR] [--data DIR] [--datasets mafl aflw_m aflw_r 300w]
        [--curve] [--fp32] [--until STEP] [--stage1-config CFG]
        [--stage1-options k=v ...]

It ends with the results tables, each learned number beside its trivial
baseline (same-location for matching, mean shape for detection) and the
paper's, and a check of what the run must show, written to
``<work-dir>/results.md`` and printed, and the seconds of each step in
``<work-dir>/timings.json``. bf16 autocast is on when this CPU runs bf16
matmuls fast (printed at the start; ``--fp32`` turns it off).

Three sizes: the default (minutes), ``--long`` (a larger set and a longer
stage 1, ≤ 60 min on 2 cores) and ``--reference`` (≥ 300,000 stage-1
images seen, ≤ 150 min). ``--curve`` (on for ``--reference``) takes every
learning-curve checkpoint of stage 1 (``curve_epoch_N.pth``, log-spaced in
images seen) through stage 2, matching and detection, and writes
``learning_curve.{json,png}`` and the fit of different-identity error
against log(images seen). Finished steps are skipped when their outputs
exist; an interrupted training step is resumed (``--force`` re-runs all).
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
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import quickstart_report as tables  # noqa: E402

DETECTION = tables.DETECTION
value = tables.value  # a metric by key, also under a prefix

PY = sys.executable
SYN = 'configs/synthetic'
STAGE1 = f'{SYN}/sce_mae_deit_t_stage1_synthetic'
#: the run sizes: faces (and faces added to the CelebA training partition
#: only: the stage-1 recipe study's winner, more distinct stage-1 faces),
#: stage-1 config, default work dir, curve heads
PROFILES = {
    'short': dict(num=3000, extra=2840, stage1=f'{STAGE1}.py',
                  curve_heads=['mafl'],
                  work_dir='work_dirs/quickstart', data='data/synthetic'),
    'long': dict(num=8000, extra=8000, stage1=f'{STAGE1}_long.py',
                 curve_heads=['mafl'],
                 work_dir='work_dirs/quickstart_long',
                 data='data/synthetic_long'),
    'reference': dict(num=25000, extra=0, stage1=f'{STAGE1}_reference.py',
                      curve_heads=list(DETECTION),
                      work_dir='work_dirs/quickstart_reference',
                      data='data/synthetic_reference'),
}
STEPS = ('data', 'stage1', 'stage2', 'matching', 'detection', 'curve')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    size = p.add_mutually_exclusive_group()
    size.add_argument('--long', action='store_true',
                      help='larger set, longer stage 1 (<= 60 min)')
    size.add_argument('--reference', action='store_true',
                      help='>= 300,000 stage-1 images, learning curve')
    p.add_argument('--work-dir', default=None)
    p.add_argument('--data', default=None,
                   help='synthetic data folder (default per size, '
                   '_seedS for seed S)')
    p.add_argument('--num', type=int, default=None, help='synthetic faces')
    p.add_argument('--extra-celeba-train', type=int, default=None,
                   help='faces added to the CelebA training partition only '
                   '(default per size)')
    p.add_argument('--seed', type=int, default=0,
                   help='seed of the synthetic set and of training')
    p.add_argument('--datasets', nargs='+', default=list(DETECTION),
                   choices=list(DETECTION))
    p.add_argument('--curve', action='store_true',
                   help='learning curve from the stage-1 curve checkpoints')
    p.add_argument('--fp32', action='store_true',
                   help='no bf16 autocast, even where the CPU runs it fast')
    p.add_argument('--until', choices=STEPS, default=None,
                   help='stop after this step (no tables)')
    p.add_argument('--arch', choices=('t', 's'), default='t',
                   help='encoder: DeiT-T (default) or DeiT-S; picks the '
                   'synthetic configs of every step')
    p.add_argument('--stage1-config', default=None,
                   help='stage-1 config (default: the size\'s synthetic one)')
    p.add_argument('--stage1-options', nargs='+', default=[],
                   metavar='KEY=VALUE',
                   help='extra --cfg-options of the stage-1 command')
    p.add_argument('--stage2-options', nargs='+', default=[],
                   metavar='KEY=VALUE',
                   help='extra --cfg-options of the stage-2 command')
    p.add_argument('--force', action='store_true',
                   help='re-run steps whose outputs exist')
    args = p.parse_args(argv)
    args.profile = ('reference' if args.reference else
                    'long' if args.long else 'short')
    prof = PROFILES[args.profile]
    suffix = f'_seed{args.seed}' if args.seed else ''
    args.num = args.num or prof['num']
    args.stage1 = args.stage1_config or prof['stage1'].replace(
        'deit_t', f'deit_{args.arch}')
    args.curve = args.curve or args.reference
    if args.extra_celeba_train is None:
        args.extra_celeba_train = prof['extra']
    args.work_dir = args.work_dir or prof['work_dir'] + suffix
    args.data = args.data or prof['data'] + suffix
    return args


def check_data(manifest: str, num: int, seed: int, extra: int) -> None:
    """Stops when the synthetic set in ``manifest``'s folder was made with
    other faces than this run asks for (a set of an earlier version)."""
    with open(manifest) as f:
        m = json.load(f)
    got = (m.get('num'), m.get('seed'), m.get('extra_celeba_train', 0))
    if got != (num, seed, extra):
        sys.exit(f'quickstart: {manifest} holds {got[0]} faces + {got[2]} '
                 f'CelebA training faces of seed {got[1]}, this run needs '
                 f'{num} + {extra} of seed {seed}; remove its folder (or '
                 'pass --data DIR) to make the set again')


def last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint a Runner wrote last in ``work_dir`` (or None)."""
    marker = osp.join(ROOT, work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    return path if osp.isfile(path) else None


def max_epochs(config: str, options: List[str] = ()) -> int:
    """``train_cfg.max_epochs`` of ``config`` after ``--cfg-options``."""
    from mmengine.config import Config
    for opt in options:
        key, _, val = opt.partition('=')
        if key == 'train_cfg.max_epochs':
            return int(val)
    return Config.fromfile(osp.join(ROOT, config)).train_cfg.max_epochs


def is_final(ckpt: str, config: str, options: List[str] = ()) -> bool:
    """Whether ``ckpt`` is the last epoch of ``config``'s schedule (an
    interrupted run leaves an earlier one, which is resumed, not used)."""
    return osp.basename(ckpt) == f'epoch_{max_epochs(config, options)}.pth'


def stage1_plan(args: argparse.Namespace) -> Dict[str, int]:
    """Epochs, images per epoch and images seen of this run's stage 1."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, args.stage1))
    with open(osp.join(ROOT, args.data, 'synthetic_manifest.json')) as f:
        faces = json.load(f)['counts']['celeba_train']
    batch = cfg.train_dataloader.batch_size
    per_epoch = faces - faces % batch  # drop_last
    epochs = max_epochs(args.stage1, args.stage1_options)
    return dict(epochs=epochs, per_epoch=per_epoch,
                images_seen=epochs * per_epoch)


class Steps:
    """The tool commands of one run, sharing its data, seed and precision."""

    def __init__(self, args: argparse.Namespace, bf16: bool) -> None:
        self.args = args
        self.bf16 = bf16
        self.seconds: Dict[str, float] = {}
        # every finished command's seconds, across invocations (a killed
        # and resumed run sums all of them; --force starts afresh)
        self.ledger = osp.join(ROOT, args.work_dir, 'step_seconds.jsonl')
        self.earlier = self._read_ledger()
        if args.force:
            self.earlier = {}
            if osp.isfile(self.ledger):
                os.remove(self.ledger)

    def _read_ledger(self) -> Dict[str, float]:
        out: Dict[str, float] = {}
        if osp.isfile(self.ledger):
            with open(self.ledger) as f:
                for line in f:
                    entry = json.loads(line)
                    out[entry['step']] = out.get(entry['step'],
                                                 0.0) + entry['seconds']
        return out

    def run(self, cmd: List[str], title: str, step: str) -> None:
        """Run one tool command from the project root, streaming its
        output; its seconds are added to ``step``."""
        print(f'\n=== {title}\n$ {" ".join(shlex.quote(c) for c in cmd)}',
              flush=True)
        start = time.time()
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        proc = subprocess.run(cmd, cwd=ROOT, env=env)
        if proc.returncode != 0:
            sys.exit(f'quickstart: step "{title}" failed (exit '
                     f'{proc.returncode}); command: {" ".join(cmd)}')
        secs = time.time() - start
        self.seconds[step] = self.seconds.get(step, 0.0) + secs
        os.makedirs(osp.dirname(self.ledger), exist_ok=True)
        with open(self.ledger, 'a') as f:
            f.write(json.dumps(dict(step=step, title=title,
                                    seconds=round(secs, 1))) + '\n')
        print(f'=== {title}: {secs:.0f} s', flush=True)

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

    def amp(self) -> List[str]:
        return ['--amp'] if self.bf16 else []

    def train(self, config: str, work_dir: str, title: str, step: str,
              options: List[str], loaders: List[str]) -> str:
        """``tools/train.py`` unless a checkpoint is there; returns it."""
        ckpt = last_checkpoint(work_dir)
        if ckpt is None or self.args.force or not is_final(ckpt, config,
                                                           options):
            cmd = [PY, 'tools/train.py', config, '--work-dir', work_dir,
                   *self.amp(), '--cfg-options', *options,
                   *self.data_options(loaders)]
            if ckpt is not None and not self.args.force:
                cmd.insert(3, '--resume')  # an interrupted run
                title += f' (resumed from {osp.basename(ckpt)})'
            self.run(cmd, title, step)
            ckpt = last_checkpoint(work_dir)
        else:
            print(f'\n=== {title}: done before ({ckpt})', flush=True)
        if ckpt is None:
            sys.exit(f'quickstart: {work_dir} holds no checkpoint after '
                     'training')
        return ckpt

    def test(self, config: str, ckpt: str, out: str, title: str, step: str,
             loaders: List[str]) -> Dict[str, float]:
        """``tools/test.py --out``; returns the metrics it wrote."""
        if self.args.force or not osp.isfile(osp.join(ROOT, out)):
            cmd = [PY, 'tools/test.py', config, ckpt, '--out', out,
                   '--work-dir', osp.dirname(out), *self.amp(),
                   '--cfg-options', *self.data_options(loaders)]
            self.run(cmd, title, step)
        with open(osp.join(ROOT, out)) as f:
            return json.load(f)

    def stage1(self) -> str:
        args = self.args
        return self.train(args.stage1, f'{args.work_dir}/stage1',
                          f'stage 1: MAE (DeiT-{args.arch.upper()})', 'stage1',
                          list(args.stage1_options), ['train_dataloader'])

    def stage2(self, stage1: str, wd: str, step: str = 'stage2') -> str:
        arch = self.args.arch
        return self.train(f'{SYN}/sce_mae_deit_{arch}_stage2_synthetic.py',
                          f'{wd}/stage2', 'stage 2: CARB + LCR', step,
                          [f'model.backbone.checkpoint={stage1}',
                           *self.args.stage2_options], ['train_dataloader'])

    def matching(self, stage2: str, wd: str,
                 step: str = 'matching') -> Dict[str, Dict]:
        """Raw MAE and SCE-MAE matching of one stage-2 checkpoint."""
        out = {}
        for kind, cfg, label in (('sce', 'sce_mae', 'SCE-MAE projector'),
                                 ('raw', 'raw_mae', 'raw MAE features')):
            sub = 'matching' if kind == 'sce' else 'matching_raw'
            out[kind] = self.test(
                f'{SYN}/{cfg}_deit_{self.args.arch}_mafl_matching_synthetic'
                '.py', stage2,
                f'{wd}/{sub}/metrics.json',
                f'MAFL landmark matching ({label})', step,
                ['test_dataloader'])
        return out

    def detection(self, key: str, stage2: str, wd: str,
                  step: str = 'detection') -> Dict:
        """Train and test one detection head on the frozen features."""
        label = DETECTION[key][0]
        cfg = f'{SYN}/sce_mae_deit_{self.args.arch}_{key}_synthetic.py'
        loaders = [f'{n}:{key}' for n in ('train_dataloader',
                                          'val_dataloader',
                                          'test_dataloader')]
        ckpt = self.train(cfg, f'{wd}/det_{key}',
                          f'detection head: train on {label}', step,
                          [f'model.init_cfg.checkpoint={stage2}'], loaders)
        return self.test(cfg, ckpt, f'{wd}/det_{key}/test/metrics.json',
                         f'detection: test on {label}', step, loaders)


def report(args: argparse.Namespace, match: Dict, det: Dict[str, Dict],
           seconds: float) -> str:
    """The results tables and the checks, as markdown."""
    raw, sce = match['raw'], match['sce']
    size = getattr(args, 'profile', 'long' if args.long else 'short')
    lines = [
        f'Synthetic faces: {args.num} (seed {args.seed}), '
        f'DeiT-{getattr(args, "arch", "t").upper()}, {size} '
        f'run, {seconds / 60:.1f} min.', '',
        '**MAFL landmark matching** (mean error, px in the 70-px frame; '
        'lower is better; ours: per-pixel argmax of cosine similarity, '
        "DVE rule: argmax on the feature grid, dot product, as DVE's "
        'test_matching.py)', ''
    ] + tables.matching_rows(raw, sce)
    if any(k.endswith('_within_1px') for k in sce):
        lines += ['', '**How the matches fail** (fractions of landmarks; '
                  'mirror: nearer the mirror partner than the landmark and '
                  '> 3 px off; far: off by more than the inter-ocular '
                  'distance)', ''] + tables.breakdown_rows(raw, sce)
    lines += ['', '**Landmark detection** (NME %, inter-ocular, 96-px '
              'input frame; lower is better)', ''] + tables.detection_rows(det)
    lines += ['', '**Checks**', ''] + tables.checks(raw, sce, det)
    return '\n'.join(lines)


def learning_curve(steps: Steps, args: argparse.Namespace, final: Dict,
                   final_det: Dict[str, Dict]) -> List[str]:
    """Every curve checkpoint of stage 1 through stage 2, matching and the
    profile's heads; writes learning_curve.{json,png}, returns the table
    and the fit as markdown lines."""
    from sce_mae_mm.visualization.learning_curve import plot_learning_curve
    wd, plan = args.work_dir, stage1_plan(args)
    heads = [k for k in PROFILES[args.profile]['curve_heads']
             if k in args.datasets]
    stage1_dir = osp.join(ROOT, wd, 'stage1')
    epochs = sorted(int(n[12:-4]) for n in os.listdir(stage1_dir)
                    if n.startswith('curve_epoch_') and n.endswith('.pth'))
    points = []
    for epoch in epochs:
        if epoch == plan['epochs']:
            match, det = final, {k: final_det[k] for k in heads}
        else:
            pwd = f'{wd}/curve/epoch_{epoch}'
            stage2 = steps.stage2(f'{wd}/stage1/curve_epoch_{epoch}.pth',
                                  pwd, 'curve')
            match = steps.matching(stage2, pwd, 'curve')
            det = {k: steps.detection(k, stage2, pwd, 'curve')
                   for k in heads}
        points.append(tables.curve_point(epoch * plan['per_epoch'], match,
                                         det, epoch))
    baselines = tables.curve_baselines(final['sce'],
                                       {k: final_det[k] for k in heads})
    write_text(osp.join(ROOT, wd, 'learning_curve.json'),
               json.dumps(dict(points=points, baselines=baselines),
                          indent=1))
    plot_learning_curve(points, baselines,
                        osp.join(ROOT, wd, 'learning_curve.png'),
                        f'synthetic faces ({args.num}, seed {args.seed}), '
                        'DeiT-T')
    print(f'\nlearning curve: {wd}/learning_curve.png')
    lines = ['', '**Learning curve** (one row per stage-1 checkpoint; '
             'px in the 70-px frame, NME %)', '']
    lines += tables.curve_rows(points, baselines)
    if len(points) >= 3:
        lines += ['', '**Fit** (different-identity error against '
                  'log10(images seen), least squares)', '']
        lines += tables.fits_text(points, baselines)
    return lines


def write_text(path: str, text: str) -> None:
    """Write ``path`` atomically; a failure (a full disk) stops the run
    with a message naming the path, the file's old content and every
    earlier step's outputs untouched."""
    from sce_mae_mm.engine import write_text_atomic
    try:
        write_text_atomic(path, text)
    except OSError as err:
        sys.exit(f'quickstart: {err}; the outputs of the earlier steps are '
                 'kept, the same command writes the tables again')


def timings(args: argparse.Namespace, steps: Steps, total: float) -> Dict:
    """Seconds per step (this invocation and the earlier ones of a resumed
    run), stage-1 images seen, threads, bf16, cores."""
    import torch

    from sce_mae_mm.engine import cpu_budget
    plan = stage1_plan(args)
    threads = os.environ.get('OMP_NUM_THREADS') or str(
        min(torch.get_num_threads(), cpu_budget()))
    seconds = dict(steps.earlier)
    for step, secs in steps.seconds.items():
        seconds[step] = seconds.get(step, 0.0) + secs
    total += sum(steps.earlier.values())
    stage1 = seconds.get('stage1', 0.0)
    return dict(steps=seconds, total_s=round(total, 1),
                resumed=bool(steps.earlier),
                stage1_images_seen=plan['images_seen'],
                stage1_share=round(stage1 / total, 3) if total else 0.0,
                threads=int(threads), bf16=steps.bf16,
                cores=os.cpu_count(), seed=args.seed, profile=args.profile)


def main() -> None:
    args = parse_args()
    from sce_mae_mm.engine import decide_bf16
    start = time.time()
    steps = Steps(args, decide_bf16(force_fp32=args.fp32))
    wd = args.work_dir
    manifest = osp.join(ROOT, args.data, 'synthetic_manifest.json')
    extra = args.extra_celeba_train
    if args.force or not osp.isfile(manifest):
        steps.run([PY, 'tools/make_synthetic_faces.py', '--out', args.data,
                   '--num', str(args.num), '--seed', str(args.seed),
                   '--extra-celeba-train', str(extra)],
                  f'synthetic faces ({args.num} + {extra} CelebA training, '
                  f'seed {args.seed}) → {args.data}', 'data')
    check_data(manifest, args.num, args.seed, extra)
    if args.until == 'data':
        return
    stage1 = steps.stage1()
    if args.until == 'stage1':
        return
    stage2 = steps.stage2(stage1, wd)
    match = steps.matching(stage2, wd)
    if args.until in ('stage2', 'matching'):
        return
    det = {key: steps.detection(key, stage2, wd) for key in args.datasets}
    curve = learning_curve(steps, args, match, det) if args.curve else []
    total = time.time() - start
    times = timings(args, steps, total)
    write_text(osp.join(ROOT, wd, 'timings.json'),
               json.dumps(times, indent=1))
    table = '\n'.join([report(args, match, det, total), *curve])
    table += '\n\n**Where the time went** (`timings.json`)\n\n' + '\n'.join(
        tables.timings_rows(times))
    write_text(osp.join(ROOT, wd, 'results.md'), table + '\n')
    print('\n' + table)
    print(f'\nquickstart finished in {total:.0f} s; tables in '
          f'{wd}/results.md, timings in {wd}/timings.json')


if __name__ == '__main__':
    main()
