"""The stage-1 recipe study at equal CPU time (see
``sce_mae_mm/studies/stage1_recipe.py``).

Usage::

    python tools/studies/stage1_recipe.py [--seed 100] [--budget 400]
        [--jobs 2] [--arms base dec4x256 ...] [--work-dir DIR] [--fp32]
        [--report]

Each arm gets ``--budget`` CPU seconds of stage 1 (one thread), then stage
2, matching and the MAFL head; ``--jobs`` arms run side by side. Seed 100
selects (no results table reports it); seeds 0 and 1 report. Resumable: the
same command again skips finished arms. Writes ``seed{S}/table.md``.
"""
import argparse
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor

from sce_mae_mm.studies import stage1_recipe as study

ROOT = os.getcwd()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seed', type=int, default=100)
    p.add_argument('--budget', type=float, default=400.,
                   help='stage-1 CPU seconds per arm (one thread)')
    p.add_argument('--jobs', type=int, default=2)
    p.add_argument('--arms', nargs='+', default=[a.name for a in study.ARMS])
    p.add_argument('--work-dir', default='work_dirs/stage1_recipe')
    p.add_argument('--fp32', action='store_true')
    p.add_argument('--reprobe', action='store_true',
                   help='measure every arm\'s s/step again, side by side, '
                   'into seed{S}/reprobe.json')
    p.add_argument('--report', action='store_true',
                   help='only write the table of the finished arms')
    args = p.parse_args()
    if not osp.isfile(osp.join(ROOT, 'tools', 'quickstart.py')):
        raise SystemExit('stage1_recipe: run from the repository root')
    arms = [study.arm_by_name(n) for n in args.arms]
    seed_dir = osp.join(args.work_dir, f'seed{args.seed}')
    if args.reprobe:
        steps = study.reprobe(ROOT, seed_dir, arms, fp32=args.fp32)
        study.write_json(osp.join(ROOT, seed_dir, 'reprobe.json'), steps)
        print(steps)
        return
    if not args.report:
        for faces in sorted({a.faces for a in arms}):  # data first, in turn
            study.make_data(ROOT, args.seed, faces)
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(lambda a: study.run_arm(
                ROOT, a, args.seed, args.budget, args.work_dir, args.fp32),
                arms))
    lines = [f'Stage-1 recipe study, synthetic seed {args.seed}, '
             f'{args.budget:.0f} CPU s of stage 1 per arm', '',
             *study.study_rows(ROOT, args.work_dir, args.seed, arms), '',
             'Why each arm runs (written before it ran):', '',
             *study.reasons(arms)]
    out = osp.join(ROOT, args.work_dir, f'seed{args.seed}', 'table.md')
    os.makedirs(osp.dirname(out), exist_ok=True)
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
