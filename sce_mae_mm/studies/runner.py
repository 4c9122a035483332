"""Run the supplementary's studies from one stage-1 checkpoint.

    python tools/studies/run_study.py STUDY [STUDY ...] --stage1 CKPT \
        --work-dir DIR [--synthetic] [--grid reduced|full] [--dry-run]

STUDY: ``baselines`` (Tables S2/S3: CL and LEAD second stages on DeiT vs
SCE-MAE), ``components`` (Table 4: raw MAE features, + clustering, + LCR),
``drop_rate`` (Figure S2), ``cluster_layer`` (Table S4), ``num_clusters``
(Table S5), ``correspondence`` (Table S6), or ``all``.

Each stage-2 variant is trained with ``tools/train.py`` and evaluated with
``tools/test.py ... --out metrics.json``; every command is printed before it
runs (its output goes to a ``.log`` beside its results). Finished steps are
skipped when the script is run again (``--force`` redoes them). The study's
markdown table and PNG plot go to ``DIR/STUDY.md`` / ``DIR/STUDY.png`` and
into the results section of ``docs/studies/STUDY/README.md``.

The runner behind ``tools/studies/run_study.py``: its arguments are parsed
here (:func:`parse_args`), so an installed wheel runs the same studies.
"""
import argparse
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
from typing import Dict, List, Optional

from sce_mae_mm.benchmark.paths import locate
from sce_mae_mm.benchmark.quickstart import PROFILES
from sce_mae_mm.benchmark.quickstart_steps import last_checkpoint
from . import plan, report

#: the quick start's stage-2 schedule, the synthetic studies' default
QUICKSTART_STAGE2 = tuple(PROFILES['short'].get('stage2_options', ()))

TITLES = dict(
    baselines='Tables S2 / S3: CL and LEAD second stages on DeiT',
    components='Table 4: components of SCE-MAE',
    drop_rate='Figure S2: drop rate of the least-attended tokens',
    cluster_layer='Table S4: clustering layer',
    num_clusters='Table S5: number of clusters',
    correspondence='Table S6: correspondence types')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__)
    parser.add_argument('studies', nargs='+',
                        choices=plan.STUDIES + ('all', ),
                        help='studies to run')
    parser.add_argument('--stage1', nargs='+', required=True,
                        help='stage-1 checkpoint (baselines: one per '
                        'backbone to fill several backbone rows)')
    parser.add_argument('--work-dir', required=True,
                        help='root folder of all trainings and results')
    parser.add_argument('--synthetic', action='store_true',
                        help='use the synthetic-set configs')
    parser.add_argument('--grid', choices=plan.GRIDS, default='full',
                        help='full: the paper grid; reduced: 2-3 points per '
                        'study and 1 stage-2 epoch (CPU smoke run)')
    parser.add_argument('--arch', choices=sorted(plan.ARCHS),
                        help='backbone arch (default: read from the '
                        'checkpoint)')
    parser.add_argument('--stage2-epochs', type=int,
                        help='stage-2 epochs (default: the config; 1 with '
                        '--grid reduced)')
    parser.add_argument('--stage2-options', nargs='+', metavar='KEY=VALUE',
                        help='--cfg-options of every stage-2 training '
                        '(default with --synthetic: the quick start\'s '
                        f'stage-2 schedule, {" ".join(QUICKSTART_STAGE2)})')
    parser.add_argument('--det-epochs', type=int,
                        help='detection regressor epochs (default: the '
                        'config; 2 with --grid reduced)')
    parser.add_argument('--matching-stride', type=int,
                        help='cover-and-stride stride of the matching '
                        '(default: the config, 2)')
    parser.add_argument('--backbone-cache', metavar='DIR',
                        help='folder where the matching evaluations keep '
                        'the frozen backbone\'s outputs per image, shared '
                        'by every variant of one stage 1 (default: '
                        'WORK_DIR/backbone_cache)')
    parser.add_argument('--no-backbone-cache', action='store_true',
                        help='run the backbone in every matching evaluation')
    parser.add_argument('--datasets', nargs='+', choices=plan.DATASETS,
                        help='detection datasets of the baselines study '
                        '(default: all four; MAFL with --synthetic or '
                        '--grid reduced)')
    parser.add_argument('--aflw-rc', help='corrected AFLW_R test keypoints '
                        '(.mat) for the AFLW_RC column')
    parser.add_argument('--skip-detection', action='store_true',
                        help='baselines: matching only (no Table S3)')
    parser.add_argument('--fp32', action='store_true',
                        help='no bf16 autocast, even where the CPU runs it '
                        'fast (default: on where it is, printed)')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands, run nothing')
    parser.add_argument('--results-tag', metavar='TAG',
                        help='name of the results block on the study pages '
                        '(default: synthetic-GRID or real-GRID; e.g. '
                        'synthetic-seed0 for one seed of several)')
    parser.add_argument('--report-only', action='store_true',
                        help='run nothing: the tables, plots and pages of '
                        'the finished variants ("–" for the others)')
    parser.add_argument('--force', action='store_true',
                        help='redo finished steps')
    parser.add_argument('--no-readme', action='store_true',
                        help='do not update the study pages')
    parser.add_argument('--pages-dir', '--projects-dir', dest='pages_dir',
                        default=osp.join(locate()[0], 'docs', 'studies'),
                        help='folder of the study pages (STUDY/README.md '
                        'and its PNGs; default docs/studies)')
    parser.add_argument('--python', default=sys.executable,
                        help='interpreter that runs the tools')
    args = parser.parse_args(argv)
    if 'all' in args.studies:
        args.studies = list(plan.STUDIES)
    return args


def infer_arch(checkpoint: str) -> str:
    """Backbone arch of a stage-1 (or stage-2) runner checkpoint."""
    from sce_mae_mm.checkpoint import read_checkpoint
    from sce_mae_mm.models.backbones.sce_vit import stage1_encoder_state_dict
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'run_study: no checkpoint {checkpoint}')
    state = stage1_encoder_state_dict(read_checkpoint(checkpoint))
    if 'cls_token' not in state:
        raise KeyError(f'run_study: {checkpoint} has no backbone '
                       'cls_token: not a stage-1 checkpoint')
    width = int(state['cls_token'].shape[-1])
    for arch, dims in plan.ARCHS.items():
        if dims == width:
            return arch
    raise ValueError(f'run_study: {checkpoint}: embedding width {width} '
                     f'is none of {plan.ARCHS}')


def stage2_options(args: argparse.Namespace) -> plan.Options:
    """``--stage2-options`` as (key, value) pairs; with ``--synthetic``
    and none given, the quick start's stage-2 schedule."""
    given = args.stage2_options
    if given is None:
        given = QUICKSTART_STAGE2 if args.synthetic else []
    pairs = []
    for item in given:
        key, sep, value = item.partition('=')
        if not sep or not key:
            raise ValueError(f'run_study: --stage2-options expects '
                             f'KEY=VALUE, got {item!r}')
        pairs.append((key, value))
    return tuple(pairs)


def make_contexts(args: argparse.Namespace) -> List[plan.Context]:
    """One context per stage-1 checkpoint."""
    reduced = args.grid == 'reduced'
    datasets = args.datasets or (
        ('mafl', ) if args.synthetic or reduced else plan.DATASETS)
    if args.skip_detection:
        datasets = ()
    contexts = []
    for ckpt in args.stage1:
        arch = args.arch or infer_arch(ckpt)
        contexts.append(plan.Context(
            stage1=osp.abspath(ckpt),
            arch=arch,
            work_dir=osp.abspath(args.work_dir),
            synthetic=args.synthetic,
            grid=args.grid,
            python=args.python,
            stage2_epochs=args.stage2_epochs or (1 if reduced else None),
            det_epochs=args.det_epochs or (2 if reduced else None),
            matching_stride=args.matching_stride,
            stage2_options=stage2_options(args),
            backbone_cache=None if args.no_backbone_cache else osp.abspath(
                args.backbone_cache
                or osp.join(args.work_dir, 'backbone_cache')),
            datasets=tuple(datasets),
            aflw_rc=args.aflw_rc))
    return contexts


class Runner:
    """Runs (or, dry, prints) the steps; remembers finished ones."""

    def __init__(self, dry_run: bool = False, force: bool = False,
                 amp: bool = False, report_only: bool = False) -> None:
        self.dry_run = dry_run
        self.report_only = report_only
        self.force = force
        self.amp = amp  # bf16 autocast on the CPU (--amp of the tools)
        self.done: Dict[str, str] = {}

    def run(self, cmd: List[str], log: str) -> None:
        tools = ('tools/train.py', 'tools/test.py')
        if self.amp and any(c.endswith(tools) for c in cmd) and \
                '--amp' not in cmd:
            cmd = cmd + ['--amp']  # an option: ends a --cfg-options list
        if self.report_only:
            print('# not run (--report-only): ' + plan.show(cmd), flush=True)
            return
        print('$ ' + plan.show(cmd), flush=True)
        if self.dry_run:
            return
        os.makedirs(osp.dirname(log), exist_ok=True)
        with open(log, 'w') as f:
            proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
        if proc.returncode != 0:
            with open(log) as f:
                tail = f.readlines()[-25:]
            sys.stdout.write(''.join(tail))
            raise SystemExit(f'run_study: step failed (exit '
                             f'{proc.returncode}); log: {log}')

    #: the checkpoint named in mmengine's ``last_checkpoint`` file
    last_checkpoint = staticmethod(last_checkpoint)

    @staticmethod
    def selected_checkpoint(work_dir: str) -> Optional[str]:
        """The checkpoint a config's model selection kept (``best_*.pth``,
        e.g. CL's lowest MAFL-train different-identity error), else the
        last one."""
        best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')),
                      key=osp.getmtime)
        return best[-1] if best else Runner.last_checkpoint(work_dir)

    def stage2(self, ctx: plan.Context, variant: plan.Variant) -> str:
        """Train a variant unless done; return its checkpoint."""
        work = plan.variant_dir(ctx, variant)
        if work in self.done:
            return self.done[work]
        ckpt = None if self.force else self.selected_checkpoint(work)
        if ckpt is None:
            self.run(plan.train_stage2_command(ctx, variant),
                     work + '_train.log')
            ckpt = self.selected_checkpoint(work)
            if ckpt is None and not (self.dry_run or self.report_only):
                raise SystemExit(f'run_study: training wrote no checkpoint '
                                 f'in {work}')
        else:
            print(f'# reuse {ckpt}', flush=True)
        self.done[work] = ckpt or osp.join(work, 'LAST_CHECKPOINT.pth')
        return self.done[work]

    def evaluate(self, ctx: plan.Context, variant: plan.Variant,
                 ev: plan.Evaluation, checkpoint: str) -> Optional[dict]:
        """Run an evaluation unless done (its metrics and its per-unit
        errors, :func:`plan.per_unit_path`, both written); return its
        metrics."""
        out, work = plan.eval_paths(ctx, variant, ev)
        finished = osp.isfile(out) and osp.isfile(
            plan.per_unit_path(ctx, variant, ev))
        if finished and not self.force and out not in self.done:
            print(f'# reuse {out}', flush=True)
        elif out not in self.done:
            if ev.kind == 'matching':
                self.run(plan.matching_command(ctx, variant, ev, checkpoint),
                         work + '.log')
            else:
                det_work = plan.detection_dir(ctx, variant, ev)
                det_ckpt = None if self.force else self.last_checkpoint(
                    det_work)
                if det_ckpt is None:
                    train, _ = plan.detection_commands(
                        ctx, variant, ev, checkpoint)
                    self.run(train, det_work + '_train.log')
                    det_ckpt = self.last_checkpoint(det_work)
                if det_ckpt is None and self.report_only:
                    return None
                _, test = plan.detection_commands(ctx, variant, ev,
                                                  checkpoint, det_ckpt)
                self.run(test, work + '.log')
        self.done[out] = out
        if self.dry_run or not osp.isfile(out):
            return None
        with open(out) as f:
            return json.load(f)


def run_rows(rows, ctx: plan.Context,
             runner: Runner) -> Dict[str, Dict[str, dict]]:
    """Train and evaluate every row; ``results[str(key)][role]``."""
    results: Dict[str, Dict[str, dict]] = {}
    for row in rows:
        ckpt = runner.stage2(ctx, row.variant)
        for role, ev in row.evals.items():
            metrics = runner.evaluate(ctx, row.variant, ev, ckpt)
            results.setdefault(str(row.key), {})[role] = metrics
    return results


def _commit() -> str:
    """The code's git commit (short), or 'unknown' outside a clone."""
    try:
        repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
        out = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                             cwd=repo, capture_output=True, text=True,
                             check=True)
        return out.stdout.strip() or 'unknown'
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def header(study: str, args: argparse.Namespace,
           contexts: List[plan.Context]) -> str:
    data = 'synthetic set' if args.synthetic else 'real data'
    archs = ', '.join(report.ARCH_NAMES[c.arch] for c in contexts)
    epochs = contexts[0].stage2_epochs or 'config default'
    cmd = ['python', 'tools/studies/run_study.py', study, '--stage1',
           *args.stage1, '--work-dir', args.work_dir, '--grid', args.grid]
    if args.synthetic:
        cmd.append('--synthetic')
    if args.stage2_options:
        cmd += ['--stage2-options', *args.stage2_options]
    options = ' '.join(f'{k}={v}' for k, v in contexts[0].stage2_options)
    note = (' A reduced grid and one stage-2 epoch: a smoke run, the '
            "numbers say nothing about the paper's claims."
            if args.grid == 'reduced' else '')
    return (f'### {TITLES[study]}\n\nOurs: {data}, {args.grid} grid, '
            f'{archs}, stage 1 `{", ".join(args.stage1)}`, stage-2 epochs: '
            f'{epochs}, stage-2 options: {options or "none"}; code '
            f'{_commit()}, 95 % BCa intervals over the 500 pairs.{note}'
            f'\n\n```\n{plan.show(cmd)}\n```\n')


def run_study(study: str, args: argparse.Namespace,
              contexts: List[plan.Context], runner: Runner) -> str:
    """Run one study; write its table and plot; return the markdown."""
    if study != 'baselines' and len(contexts) > 1:
        raise SystemExit(f'run_study: study {study!r} takes one stage-1 '
                         f'checkpoint, got {len(contexts)}')
    print(f'## {study}', flush=True)
    by_arch, rows = {}, []
    for ctx in contexts:
        rows = plan.study_rows(study, ctx)
        by_arch[ctx.arch] = run_rows(rows, ctx, runner)
    os.makedirs(args.work_dir, exist_ok=True)
    png = osp.join(args.work_dir, f'{study}.png')
    results = by_arch if study == 'baselines' else by_arch[contexts[0].arch]
    body = report.study_report(study, rows, results, png)
    markdown = header(study, args, contexts) + '\n' + body + '\n'
    with open(osp.join(args.work_dir, f'{study}.md'), 'w') as f:
        f.write(markdown)
    with open(osp.join(args.work_dir, f'{study}.json'), 'w') as f:
        json.dump(results, f, indent=1)
    print(markdown, flush=True)
    if not args.no_readme and (args.report_only or not args.dry_run):
        tag = args.results_tag or (
            f"{'synthetic' if args.synthetic else 'real'}-{args.grid}")
        folder = osp.join(args.pages_dir, study)
        os.makedirs(folder, exist_ok=True)
        shutil.copyfile(png, osp.join(folder, f'results_{tag}.png'))
        report.update_readme(
            osp.join(folder, 'README.md'), tag,
            markdown + f'\n![{study} ({tag})](results_{tag}.png)\n')
    return markdown


def main(argv: Optional[List[str]] = None) -> None:
    """``tools/studies/run_study.py``: parse ``argv`` and run the studies."""
    args = parse_args(argv)
    contexts = make_contexts(args)
    from sce_mae_mm.engine import decide_bf16
    runner = Runner(dry_run=args.dry_run, force=args.force,
                    amp=decide_bf16(force_fp32=args.fp32),
                    report_only=args.report_only)
    for study in args.studies:
        run_study(study, args, contexts, runner)
