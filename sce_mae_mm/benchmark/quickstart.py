"""The quick start: synthetic faces → stage 1 → stage 2 → matching → detection.

The logic behind ``tools/quickstart.py`` (see its docstring for the
command line): the run sizes (:data:`PROFILES`), the arguments, the steps
(:mod:`.quickstart_steps`), the results tables (:mod:`.tables`), the
learning curve and its fit (:mod:`.curve_fit`) and ``timings.json``.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

from . import tables
from .curve_fit import fits_text
from .quickstart_steps import (MAKE_FACES, PY, ROOT, SYN, Steps,  # noqa: F401
                               is_final, last_checkpoint, max_epochs)
from .tables import DETECTION, value  # noqa: F401  (value: a metric by key)

STAGE1 = f'{SYN}/sce_mae_deit_t_stage1_synthetic'
#: the run sizes: faces (and faces added to the CelebA training partition
#: only: more distinct stage-1 faces, docs/benchmark.md), stage-1 config,
#: stage-2 options put before the user's (the quick start's stage 2 stays at
#: 504 steps: 2 epochs of the first 4,036 of its 11,196 training faces),
#: default work dir, curve heads, MAFL test faces (the real protocol's
#: 1,000: 500 + 500 matching pairs; appended, the other splits unchanged)
#: and AFLW_M / AFLW_R / 300W test faces (:data:`DET_TESTS`; appended, the
#: other splits unchanged): sized from seed 0's half-widths at 1,200 / 900 /
#: 800 faces (head 0.52 / 0.55 / 0.54, mean shape 0.67 / 0.77 / 0.65 NME
#: points; the half-width falls as 1 / sqrt(faces)) for at most +-0.5 on
#: every NME, the mean shape's included, with 10 % to spare
DET_TESTS = dict(aflw_m_test=2400, aflw_r_test=2400, face300w_test=1500)
PROFILES = {
    'short': dict(num=3000, extra=10000, stage1=f'{STAGE1}.py',
                  stage2_options=['train_dataloader.dataset.indices=4036'],
                  curve_heads=['mafl'], work_dir='work_dirs/quickstart',
                  data='data/synthetic', mafl_test=1000, **DET_TESTS),
    'long': dict(num=8000, extra=8000, stage1=f'{STAGE1}_long.py',
                 mafl_test=1000, **DET_TESTS,
                 curve_heads=list(DETECTION),
                 work_dir='work_dirs/quickstart_long',
                 data='data/synthetic_long'),
    'reference': dict(num=25000, extra=0, stage1=f'{STAGE1}_reference.py',
                      curve_heads=list(DETECTION),
                      work_dir='work_dirs/quickstart_reference',
                      data='data/synthetic_reference'),
}
#: test-count argument -> (option, name, the manifest's splits)
TEST_COUNTS = dict(
    mafl_test=('--mafl-test', 'MAFL', ('mafl_test', )),
    aflw_m_test=('--aflw-m-test', 'AFLW_M', ('aflw_m_test', )),
    aflw_r_test=('--aflw-r-test', 'AFLW_R', ('aflw_r_test', )),
    face300w_test=('--300w-test', '300W', ('300w_helen_testset',
                                           '300w_lfpw_testset', '300w_ibug')),
)
STEPS = ('data', 'stage1', 'stage2', 'matching', 'detection', 'curve')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """The quick start's options, with the size's defaults filled in."""
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
    p.add_argument('--mafl-test', type=int, default=None,
                   help='MAFL test faces (default per size: 1000, the real '
                   "protocol's 500 + 500 matching pairs)")
    for key, (opt, name, _) in TEST_COUNTS.items():
        if key != 'mafl_test':
            p.add_argument(opt, type=int, default=None, dest=key,
                           help=f'{name} test faces (default per size: '
                           f'{DET_TESTS[key]}; the reference size: the '
                           "split's share of --num)")
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
    p.add_argument('--stage1-checkpoint', default=None, metavar='PTH',
                   help='a trained stage-1 checkpoint (e.g. another seed\'s '
                   'stage1/epoch_3.pth) used instead of training stage 1')
    p.add_argument('--stage1-options', nargs='+', default=[],
                   metavar='KEY=VALUE',
                   help='extra --cfg-options of the stage-1 command')
    p.add_argument('--stage2-options', nargs='+', default=[],
                   metavar='KEY=VALUE',
                   help='extra --cfg-options of the stage-2 command')
    p.add_argument('--head-epochs', type=int, default=None, metavar='N',
                   help='epochs of every detection head (default: the '
                   "config's 6), its cosine schedule stretched to them")
    p.add_argument('--force', action='store_true',
                   help='re-run steps whose outputs exist')
    args = p.parse_args(argv)
    if args.head_epochs is not None and args.head_epochs < 1:
        p.error(f'--head-epochs {args.head_epochs}: expected 1 or more')
    if args.stage1_checkpoint is not None:
        if not osp.isfile(args.stage1_checkpoint):
            p.error(f'--stage1-checkpoint {args.stage1_checkpoint}: no such '
                    'file (expected a stage-1 checkpoint, e.g. '
                    'work_dirs/quickstart/stage1/epoch_3.pth)')
        if args.curve or args.reference:
            p.error('--stage1-checkpoint: the learning curve needs the '
                    "stage-1 run's own curve checkpoints; drop --curve")
    args.profile = ('reference' if args.reference else
                    'long' if args.long else 'short')
    prof = PROFILES[args.profile]
    suffix = f'_seed{args.seed}' if args.seed else ''
    args.num = args.num or prof['num']
    args.stage1 = args.stage1_config or prof['stage1'].replace(
        'deit_t', f'deit_{args.arch}')
    args.curve = args.curve or args.reference
    args.stage2_options = [*prof.get('stage2_options', []),
                           *args.stage2_options]
    if args.extra_celeba_train is None:
        args.extra_celeba_train = prof['extra']
    for key in TEST_COUNTS:
        if getattr(args, key) is None:
            setattr(args, key, prof.get(key))
    args.work_dir = args.work_dir or prof['work_dir'] + suffix
    args.own_data = args.data is not None  # a set of the user's: as it is
    args.data = args.data or prof['data'] + suffix
    return args


def wanted_test_counts(args: argparse.Namespace) -> Dict[str, int]:
    """The test counts this run asks for (:data:`TEST_COUNTS`; None or 0:
    the split's share of ``num``, not checked)."""
    return {key: getattr(args, key, None) for key in TEST_COUNTS
            if getattr(args, key, None)}


def check_data(manifest: str, num: int, seed: int, extra: int,
               mafl_test: Optional[int] = None,
               aflw_m_test: Optional[int] = None,
               aflw_r_test: Optional[int] = None,
               face300w_test: Optional[int] = None) -> None:
    """Stops when the default synthetic set in ``manifest``'s folder was
    made with other faces than this run asks for (a set of an earlier
    version); a set given with ``--data`` is used as it is.

    Args:
        manifest: the set's ``synthetic_manifest.json``.
        num, seed, extra: faces, seed and extra CelebA training faces.
        mafl_test, aflw_m_test, aflw_r_test, face300w_test: test faces
            (:data:`TEST_COUNTS`; 300W: helen + lfpw test sets + ibug);
            None or 0 is not checked.
    """
    with open(manifest) as f:
        m = json.load(f)
    got = (m.get('num'), m.get('seed'), m.get('extra_celeba_train', 0))
    counts = m.get('counts', {})
    want = {k: v for k, v in dict(
        mafl_test=mafl_test, aflw_m_test=aflw_m_test, aflw_r_test=aflw_r_test,
        face300w_test=face300w_test).items() if v}
    have = {k: sum(counts.get(s, 0) for s in TEST_COUNTS[k][2])
            for k in TEST_COUNTS}
    wrong = [k for k in TEST_COUNTS if k in want and have[k] != want[k]]
    if got != (num, seed, extra) or wrong:
        held = ', '.join(f'{have[k]} {TEST_COUNTS[k][1]}'
                         for k in TEST_COUNTS)
        needs = ', '.join(f'{want[k]} {TEST_COUNTS[k][1]}'
                          for k in TEST_COUNTS if k in want)
        keep = ' '.join(f'{TEST_COUNTS[k][0]} {have[k]}' for k in wrong)
        keep = (f', or pass its test counts ({keep}) to use it as it is'
                if wrong and got == (num, seed, extra) else '')
        sys.exit(f'quickstart: {manifest} holds {got[0]} faces + {got[2]} '
                 f'CelebA training faces of seed {got[1]} and test faces '
                 f'{held}, this run needs {num} + {extra} of seed {seed}'
                 f'{" and test faces " + needs if needs else ""}; remove '
                 'its folder (or pass --data DIR) to make the set again'
                 f'{keep}')


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


def report(args: argparse.Namespace, match: Dict, det: Dict[str, Dict],
           seconds: float, resumed: bool = False) -> str:
    """The results tables and the checks, as markdown (``seconds``: the
    steps' total, earlier invocations included where ``resumed``)."""
    raw, sce = match['raw'], match['sce']
    size = getattr(args, 'profile', 'long' if args.long else 'short')
    lines = [
        f'Synthetic faces: {args.num} (seed {args.seed}), '
        f'DeiT-{getattr(args, "arch", "t").upper()}, {size} '
        f'run, {seconds / 60:.1f} min'
        f'{" (resumed: earlier invocations included)" if resumed else ""}.',
        '',
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
        lines += fits_text(points, baselines)
    return lines


def write_text(path: str, text: str) -> None:
    """Write ``path`` atomically; a failure (a full disk) stops the run
    with a message naming the path, the file's old content and every
    earlier step's outputs untouched."""
    from sce_mae_mm.fileio import write_text_atomic
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


def run(args: argparse.Namespace) -> Optional[str]:
    """Every step up to ``args.until``; then (a full run) the tables,
    written to ``results.md`` and printed, which it returns."""
    from sce_mae_mm.engine import decide_bf16
    start = time.time()
    steps = Steps(args, decide_bf16(force_fp32=args.fp32))
    wd = args.work_dir
    manifest = osp.join(ROOT, args.data, 'synthetic_manifest.json')
    extra = args.extra_celeba_train
    tests = wanted_test_counts(args)
    if args.force or not osp.isfile(manifest):
        counts = ', '.join(f'{tests.get(k, "default")} {TEST_COUNTS[k][1]}'
                           for k in TEST_COUNTS)
        steps.run([PY, MAKE_FACES, '--out', args.data, '--num',
                   str(args.num), '--seed', str(args.seed),
                   '--extra-celeba-train', str(extra),
                   *(a for k, n in tests.items()
                     for a in (TEST_COUNTS[k][0], str(n)))],
                  f'synthetic faces ({args.num} + {extra} CelebA training, '
                  f'test faces {counts}, seed {args.seed}) → {args.data}',
                  'data')
    if not getattr(args, 'own_data', False):
        check_data(manifest, args.num, args.seed, extra, **tests)
    if args.until == 'data':
        return None
    stage1 = args.stage1_checkpoint or steps.stage1()
    if args.until == 'stage1':
        return None
    stage2 = steps.stage2(stage1, wd)
    if args.until == 'stage2':
        return None
    match = steps.matching(stage2, wd)
    if args.until == 'matching':
        return None
    det = {key: steps.detection(key, stage2, wd) for key in args.datasets}
    if args.until == 'detection':
        return None
    curve = learning_curve(steps, args, match, det) if args.curve else []
    total = time.time() - start
    times = timings(args, steps, total)
    write_text(osp.join(ROOT, wd, 'timings.json'),
               json.dumps(times, indent=1))
    table = '\n'.join([report(args, match, det, times['total_s'],
                              times['resumed']), *curve])
    table += '\n\n**Where the time went** (`timings.json`)\n\n' + '\n'.join(
        tables.timings_rows(times))
    write_text(osp.join(ROOT, wd, 'results.md'), table + '\n')
    print('\n' + table)
    print(f'\nquickstart finished in {total:.0f} s; tables in '
          f'{wd}/results.md, timings in {wd}/timings.json')
    return table


def readme_tables_of(work_dir: str,
                     datasets: Optional[List[str]] = None) -> str:
    """The README's quick-start tables from a finished run's metrics
    (``matching``, ``matching_raw``, ``det_*/test`` under ``work_dir``)."""
    def read(*parts: str) -> Dict:
        path = osp.join(ROOT, work_dir, *parts, 'metrics.json')
        if not osp.isfile(path):
            sys.exit(f'readme_tables: no {path}; run tools/quickstart.py '
                     f'--work-dir {work_dir} first')
        with open(path) as f:
            return json.load(f)

    det = {key: read(f'det_{key}', 'test')
           for key in (datasets or list(DETECTION))}
    return tables.readme_tables(read('matching_raw'), read('matching'), det)


def main(argv: Optional[List[str]] = None) -> Optional[str]:
    """``tools/quickstart.py``: parse ``argv`` and run."""
    return run(parse_args(argv))
