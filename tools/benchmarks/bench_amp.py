"""fp32 vs CPU bf16 autocast, every stage, measured interleaved in one run.

Each case builds the model of a project config twice from the same seed
(one trained in fp32 with ``OptimWrapper``, one under ``--amp``'s
``CPUBf16OptimWrapper``) and times them on the same batch, repetitions
interleaved so that drift hits both alike:

* ``stage1_deit_t`` / ``stage1_deit_s``: stage-1 ``train_step`` (MAE, uint8
  batch 16 / 32, AdamW);
* ``stage2_deit_s``: stage-2 ``train_step`` (frozen DeiT-S, CARB, LCR);
* ``head_step``: a detection head's step on cached features (the conv-block
  regressor of the Table 2 configs);
* ``cover_and_stride_s2``: DeiT-S dense features at stride 2, no grad.

It writes ``fp32_ms``, ``bf16_ms`` and ``ratio`` (bf16 / fp32, medians of
paired repetitions) per case to ``--json`` with the targets, and prints the
top operators (self CPU time) of the bf16 DeiT-T stage-1 step.

Usage::

    python tools/benchmarks/bench_amp.py [--json OUT] [--reps 5]
        [--threads 0] [--cases stage1_deit_t ...] [--no-profile]
"""
import argparse
import contextlib
import json
import logging
import platform
import statistics

import torch
from mmengine.logging import MMLogger

from sce_mae_mm.benchmark.amp_cases import BUILDERS, TARGETS, profile
from sce_mae_mm.benchmark.timing import interleaved
from sce_mae_mm.engine import (bf16_matmul_speedup, cpu_bf16_flags,
                               limit_cpu_threads)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--json', help='write the results here')
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=0,
                        help='torch threads (0: OMP_NUM_THREADS or cores)')
    parser.add_argument('--cases', nargs='+', default=list(TARGETS),
                        choices=list(TARGETS))
    parser.add_argument('--no-profile', action='store_true')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    MMLogger.get_current_instance().setLevel(logging.WARNING)  # init logs
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads() if args.threads else \
        limit_cpu_threads()
    speedup = bf16_matmul_speedup()
    meta = dict(torch=torch.__version__, threads=threads,
                cpu=platform.processor() or platform.machine(),
                bf16_flags=cpu_bf16_flags(),
                bf16_matmul_speedup=round(speedup, 2), reps=args.reps)
    print(f'torch {meta["torch"]}, {threads} threads, CPU bf16 flags '
          f'{meta["bf16_flags"] or "none"}, bf16 matmul {speedup:.2f}× fp32'
          f', {args.reps} paired repetitions (median)', flush=True)
    results, prof_steps = {}, None
    print('\n| case | fp32 ms | bf16 ms | ratio bf16/fp32 | target | met |'
          '\n|---|---|---|---|---|---|', flush=True)
    for case in args.cases:
        steps = BUILDERS[case]()
        times = interleaved(steps, args.reps, args.warmup)
        ratio = statistics.median(b / f for b, f in zip(times['bf16'],
                                                        times['fp32']))
        target = TARGETS[case]
        res = dict(fp32_ms=round(1e3 * statistics.median(times['fp32']), 1),
                   bf16_ms=round(1e3 * statistics.median(times['bf16']), 1),
                   ratio=round(ratio, 3), target=target,
                   met=None if target is None else ratio <= target)
        results[case] = res
        met = '–' if target is None else ('yes' if res['met'] else 'NO')
        print(f'| {case} | {res["fp32_ms"]:.1f} | {res["bf16_ms"]:.1f} | '
              f'{ratio:.3f} | {target or "–"} | {met} |', flush=True)
        if case == 'stage1_deit_t':
            prof_steps = steps
    if prof_steps is not None and not args.no_profile:
        table = profile(prof_steps)
        meta['profile_bf16_stage1_deit_t'] = table
        print('\nbf16 DeiT-T stage-1 step, top operators by self CPU time:\n'
              + table)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(meta=meta, cases=results), f, indent=1)
        print(f'wrote {args.json}')


if __name__ == '__main__':
    with contextlib.suppress(KeyboardInterrupt):
        main()
