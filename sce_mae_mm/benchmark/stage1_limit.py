"""How close the stage-1 step runs to the machine's own matmul rate, the
step's implementation choices side by side, and images/s against batch
(``tools/benchmarks/bench_stage1.py --limit / --paths / --batches``).

Everything is measured in one run with repetitions interleaved
(:func:`~.timing.interleaved`): the step and the replay of its matmul
calls alone (:mod:`.matmul_rate`) alternate, so the fraction of the
machine's rate is a paired ratio that drift (other jobs) hits alike.
"""
import argparse
import logging
import os.path as osp
import statistics
import time
from typing import Callable, Dict, List, Sequence

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from .matmul_rate import bf16_support, replay, square_rate
from .paths import project_root
from .stage1_step import build_step
from .step_flops import KINDS, count_step
from .timing import interleaved, paired_ratio

Echo = Callable[[str], None]


#: the step's variants: (optimizer, model hooks, same values?); ``today``
#: is the step before this change set, ``kept`` what ``tools/train.py``
#: runs now (``SCEMAERunner`` installs ``qkv_unbind``)
PATHS = {
    'today': ('config', (), True),
    'kept': ('config', ('qkv_unbind', ), True),
    'grouped': ('grouped', (), True),
    'foreach': ('foreach', (), True),
    'fused_adamw': ('fused', (), False),
    'explicit_attention': ('config', ('explicit_attention', ), False),
}


def cpu_name(cpuinfo: str = '/proc/cpuinfo') -> str:
    """The CPU's model name and its vector/bf16 flags."""
    name, flags = 'unknown CPU', set()
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith('model name') and name == 'unknown CPU':
                    name = line.split(':', 1)[1].strip()
                elif line.startswith('flags') and not flags:
                    flags = set(line.split(':', 1)[1].split())
    except OSError:
        pass
    wanted = ('avx2', 'avx512f', 'avx512_bf16', 'amx_bf16')
    shown = [f for f in wanted if f in flags] or ['no AVX2']
    return f'{name} ({", ".join(shown)})'


def add_limit_args(parser: argparse.ArgumentParser) -> None:
    """bench_stage1's ``--limit``, ``--limit-path``, ``--paths``,
    ``--batches`` and ``--amp``."""
    parser.add_argument('--limit', action='store_true',
                        help='FLOPs, attained and machine matmul rates')
    parser.add_argument('--limit-path', default='kept', choices=sorted(PATHS),
                        help='--limit: today (before the q/k/v unbind) or '
                        'kept (what tools/train.py runs)')
    parser.add_argument('--paths', nargs='+', choices=sorted(PATHS),
                        help='these step variants against today\'s path')
    parser.add_argument('--batches', nargs='+', type=int,
                        help='img/s at these batch sizes (and --batch)')
    parser.add_argument('--amp', action='store_true',
                        help='on CUDA: bf16 AmpOptimWrapper (a CPU follows '
                        'decide_bf16)')


def step_limits_from_args(args: argparse.Namespace,
                          device: torch.device) -> None:
    """bench_stage1 ``--limit/--paths/--batches``: the quick start's
    stage-1 config of ``--arch`` unless ``--config`` is given; fp32 unless
    bf16 is on (``args.bf16``: CPU, decide_bf16; CUDA: ``--amp``);
    subnormals flushed in a CPU fp32 run, as tools/train.py does."""
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    config = args.config or osp.join(
        project_root(), 'configs', 'synthetic',
        f'sce_mae_deit_{args.arch[-1]}_stage1_synthetic.py')
    cuda_bf16 = device.type == 'cuda' and args.amp and not args.fp32
    if device.type == 'cpu' and not args.bf16:
        from ..engine import flush_denormals
        flush_denormals()
    run_step_limits(Config.fromfile(config), args.arch, args.batch, device,
                    'bf16' if args.bf16 or cuda_bf16 else 'fp32',
                    args.limit and args.limit_path, args.paths or (),
                    args.batches or (), args.reps, args.warmup)


def run_step_limits(cfg: Config, arch: str, batch: int,
                    device: torch.device, precision: str,
                    limit_path: str = '', paths: Sequence[str] = (),
                    batches: Sequence[int] = (), reps: int = 5,
                    warmup: int = 2, echo: Echo = print) -> None:
    """What ``bench_stage1.py --limit/--paths/--batches`` prints: the
    set-up line, then :func:`bench_limit` (for ``limit_path`` if given),
    :func:`bench_paths`, :func:`bench_batches` (``batch`` the reference)."""
    where = cpu_name() if device.type == 'cpu' else (
        torch.cuda.get_device_name(device))
    echo(f'[setup] {cfg.filename}, {arch}, {precision}, {where}, '
         f'{torch.get_num_threads()} threads')
    common = dict(precision=precision, reps=reps, warmup=warmup, echo=echo)
    if limit_path:
        bench_limit(cfg, arch, batch, device, path=limit_path, **common)
    if paths:
        bench_paths(cfg, arch, batch, device, paths, **common)
    if batches:
        bench_batches(cfg, arch, batches, device, reference=batch,
                      **common)


def bench_limit(cfg: Config, arch: str, batch: int, device: torch.device,
                precision: str = 'fp32', path: str = 'kept',
                reps: int = 5, warmup: int = 2, square: int = 0,
                echo: Echo = print) -> Dict[str, float]:
    """FLOPs per image, attained GFLOP/s, the machine's matmul rates (at
    the step's shapes and at a ``square`` matmul; 0: 2048 on a CPU, 8192
    on a GPU) and the fractions, for the step of ``path`` (:data:`PATHS`).
    Returns the numbers printed."""
    optimizer, hooks, _ = PATHS[path]
    step = build_step(cfg, arch, batch, device, precision, optimizer,
                      hooks=hooks)
    for _ in range(warmup):
        step()
    count = count_step(step)
    out: Dict[str, float] = dict(flops_per_image=count.total / batch)
    cases = {'step': step}
    flops = {}
    for kind in KINDS:
        fn, n = replay(count.calls, device, torch.float32, (kind, ))
        if n:
            cases[f'fp32_{kind}'], flops[kind] = fn, n
    cases['fp32_all'], flops['all'] = replay(count.calls, device,
                                             torch.float32)
    has_bf16, why = bf16_support(device)
    if has_bf16:
        cases['bf16_all'], _ = replay(count.calls, device, torch.bfloat16)
    cpu: Dict[object, List[float]] = {}
    times = interleaved(_with_cpu_time(cases, cpu), reps, warmup, device)
    clock = 'wall clock'
    if device.type == 'cpu' and torch.get_num_threads() == 1:
        # one thread: its CPU seconds are the step's, whatever else runs
        times, clock = {k: v[-reps:] for k, v in cpu.items()}, 'CPU time'
    sec = {k: statistics.median(v) for k, v in times.items()}
    attained = count.total / sec['step'] / 1e9
    out.update(step_s=sec['step'], img_s=batch / sec['step'],
               attained_gflops=attained)
    echo(f'[limit] {arch} batch {batch} {precision} on {device}, {path} '
         'path: '
         f'{count.total / batch / 1e9:.3f} GFLOP per image '
         f'(FlopCounterMode; {count.total / 1e9:.2f} GFLOP a step: '
         + ', '.join(f'{k} {count.flops_of(k) / 1e9:.2f}' for k in KINDS)
         + f'), {sec["step"] * 1e3:.0f} ms a step, {batch / sec["step"]:.1f}'
         f' img/s, attained {attained:.1f} GFLOP/s ({clock}, medians)')
    for kind, n in flops.items():
        rate = n / sec[f'fp32_{kind}'] / 1e9
        out[f'fp32_{kind}_gflops'] = rate
        echo(f'[limit] fp32 matmul rate at the step\'s own shapes, {kind}: '
             f'{rate:.1f} GFLOP/s ({n / 1e9:.2f} GFLOP in '
             f'{sec[f"fp32_{kind}"] * 1e3:.0f} ms)')
    size = square or (8192 if device.type == 'cuda' else 2048)
    one_thread = clock == 'CPU time'
    sq32 = square_rate(size, device, cpu_time=one_thread)
    out['fp32_square_gflops'] = sq32
    echo(f'[limit] fp32 matmul rate at {size}x{size}x{size}: '
         f'{sq32:.1f} GFLOP/s')
    if has_bf16:
        rate = flops['all'] / sec['bf16_all'] / 1e9
        out['bf16_all_gflops'] = rate
        sq16 = square_rate(size, device, torch.bfloat16,
                           cpu_time=one_thread)
        out['bf16_square_gflops'] = sq16
        echo(f'[limit] bf16 ({why}) matmul rate at the step\'s shapes '
             f'{rate:.1f} GFLOP/s, at {size}^3 {sq16:.1f} GFLOP/s')
    else:
        echo(f'[limit] bf16 matmul rate: not available ({why})')
    share = paired_ratio(times['fp32_all'], times['step'])
    out.update(fraction_shapes=attained / out['fp32_all_gflops'],
               fraction_square=attained / sq32, matmul_share=share)
    echo(f'[limit] fraction of the machine\'s fp32 rate: '
         f'{out["fraction_shapes"]:.2f} of its rate at the step\'s shapes, '
         f'{out["fraction_square"]:.2f} of its {size}^3 rate; the step\'s '
         f'matmul work alone takes {share:.2f} of the step\'s time '
         f'(paired), so removing everything else would give at most '
         f'{1 / share:.2f}x')
    return out


def _with_cpu_time(cases: Dict, cpu: Dict[object, List[float]]) -> Dict:
    """The cases, each also recording this process's CPU seconds per call
    into ``cpu`` (on a CPU shared with other jobs the wall clock mostly
    measures the others; one thread's CPU time measures the step)."""

    def wrap(name, fn):

        def timed() -> None:
            start = time.process_time()
            fn()
            cpu[name].append(time.process_time() - start)

        return timed

    for name in cases:
        cpu[name] = []
    return {name: wrap(name, fn) for name, fn in cases.items()}


def bench_paths(cfg: Config, arch: str, batch: int, device: torch.device,
                paths: Sequence[str], precision: str = 'fp32',
                reps: int = 5, warmup: int = 2,
                echo: Echo = print) -> Dict[str, float]:
    """img/s of each path (:data:`PATHS`) and its paired ratio to
    ``today``, interleaved. Returns ``{path: ratio}``."""
    names = ['today'] + [p for p in paths if p != 'today']
    cases = {}
    for name in names:
        optimizer, hooks, _ = PATHS[name]
        cases[name] = build_step(cfg, arch, batch, device, precision,
                                 optimizer, hooks=hooks)
    cpu: Dict[object, List[float]] = {}
    times = interleaved(_with_cpu_time(cases, cpu), reps, warmup, device)
    ratios = {}
    for name in names:
        ratios[name] = paired_ratio(times['today'], times[name])
        by_cpu = paired_ratio(cpu['today'][-reps:], cpu[name][-reps:])
        same = 'same math' if PATHS[name][2] else 'rounds differently'
        rate = batch / statistics.median(times[name])
        echo(f'[paths] {name:<20} {rate:6.1f} img/s, {ratios[name]:.3f}x '
             f'today by wall clock, {by_cpu:.3f}x by CPU time (paired '
             f'medians; {same})')
    return ratios


def bench_batches(cfg: Config, arch: str, batches: Sequence[int],
                  device: torch.device, precision: str = 'fp32',
                  path: str = 'kept', reps: int = 5, warmup: int = 2,
                  reference: int = 16, echo: Echo = print
                  ) -> Dict[int, float]:
    """img/s against batch size, interleaved; each size's per-image speed
    relative to ``reference`` (paired). Returns ``{batch: img/s}``."""
    sizes: List[int] = sorted(set(batches) | {reference})
    optimizer, hooks, _ = PATHS[path]
    cases = {b: build_step(cfg, arch, b, device, precision, optimizer,
                           hooks=hooks) for b in sizes}
    cpu: Dict[object, List[float]] = {}
    times = interleaved(_with_cpu_time(cases, cpu), reps, warmup, device)
    rates = {}
    for b in sizes:
        rates[b] = b / statistics.median(times[b])
        per_image = paired_ratio([t / reference for t in times[reference]],
                                 [t / b for t in times[b]])
        cpu_b = cpu[b][-reps:]
        by_cpu = paired_ratio([t / reference for t in cpu[reference][-reps:]],
                              [t / b for t in cpu_b])
        echo(f'[batches] batch {b:>3}: {rates[b]:6.1f} img/s '
             f'({b / statistics.median(cpu_b):.1f} per CPU second), '
             f'{statistics.median(times[b]) * 1e3:6.0f} ms a step, per '
             f'image {per_image:.2f}x batch {reference} by wall clock, '
             f'{by_cpu:.2f}x by CPU time (paired)')
    return rates
