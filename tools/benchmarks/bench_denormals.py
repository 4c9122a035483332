"""fp32 steps with CPU subnormals kept against flushed, interleaved in one
run.

``tools/train.py`` and ``tools/test.py`` flush subnormal floats to zero
(``sce_mae_mm.engine.flush_denormals``). This prints why: the fp32 training
step of a 68-point detection head (the 300W regressor, DeiT-T widths, on
cached features) with IEEE subnormals kept and with them flushed, the two
repetitions side by side, and their ratio (kept / flushed, the median of
paired repetitions); also the fp32 DeiT-T stage-1 step, where nothing
underflows, as a control.

Usage::

    python tools/benchmarks/bench_denormals.py [--reps 7] [--warmup 3]
        [--json OUT]
"""
import argparse
import json
import logging
import platform
import statistics
from typing import Callable, Dict

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from sce_mae_mm.benchmark.amp_cases import cfg_path, head_step, stage1
from sce_mae_mm.benchmark.timing import interleaved


def with_flush(step: Callable[[], object], flush: bool) -> Callable:
    """``step`` run with subnormal flushing set to ``flush``."""
    def run():
        torch.set_flush_denormal(flush)
        try:
            return step()
        finally:
            torch.set_flush_denormal(False)
    return run


def head_300w(batch: int) -> Callable[[], object]:
    cfg = Config.fromfile(cfg_path('synthetic',
                                   'sce_mae_deit_t_300w_synthetic.py'))
    return head_step(batch, cfg)['fp32']


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--reps', type=int, default=7)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--json', help='write the results here')
    args = p.parse_args()
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    torch.set_num_threads(1)  # see the module docstring
    cases = {'head_300w_fp32': head_300w(16),
             'stage1_deit_t_fp32': stage1('deit_t', 16)['fp32']}
    print(f'torch {torch.__version__}, 1 thread, '
          f'{platform.processor() or platform.machine()}, {args.reps} '
          'paired repetitions (median)\n\n| case | kept ms | flushed ms | '
          'ratio kept / flushed |\n|---|---|---|---|', flush=True)
    results: Dict[str, Dict] = {}
    for name, step in cases.items():
        t = interleaved({'kept': with_flush(step, False),
                         'flushed': with_flush(step, True)},
                        args.reps, args.warmup)
        ratio = statistics.median(k / f for k, f in zip(t['kept'],
                                                        t['flushed']))
        results[name] = dict(
            kept_ms=round(1e3 * statistics.median(t['kept']), 1),
            flushed_ms=round(1e3 * statistics.median(t['flushed']), 1),
            ratio=round(ratio, 3))
        r = results[name]
        print(f'| {name} | {r["kept_ms"]:.1f} | {r["flushed_ms"]:.1f} | '
              f'{ratio:.2f} |', flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(threads=1, cases=results), f, indent=1)


if __name__ == '__main__':
    main()
