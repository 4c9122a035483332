"""How close the stage-1 step runs to the machine's own matmul rate, the
step's implementation choices side by side, and images/s against batch
(``tools/benchmarks/bench_stage1.py --limit / --paths / --batches``).

Everything is measured in one run with repetitions interleaved
(:func:`~.timing.interleaved`): the step and the replay of its matmul
calls alone (:mod:`.matmul_rate`) alternate, so the fraction of the
machine's rate is a paired ratio that drift (other jobs) hits alike.
"""
import statistics
from typing import Callable, Dict, List, Sequence

import torch
from mmengine.config import Config

from .matmul_rate import bf16_support, replay, square_rate
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
    times = interleaved(cases, reps, warmup, device)
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
         f' img/s, attained {attained:.1f} GFLOP/s')
    for kind, n in flops.items():
        rate = n / sec[f'fp32_{kind}'] / 1e9
        out[f'fp32_{kind}_gflops'] = rate
        echo(f'[limit] fp32 matmul rate at the step\'s own shapes, {kind}: '
             f'{rate:.1f} GFLOP/s ({n / 1e9:.2f} GFLOP in '
             f'{sec[f"fp32_{kind}"] * 1e3:.0f} ms)')
    size = square or (8192 if device.type == 'cuda' else 2048)
    out['fp32_square_gflops'] = sq32 = square_rate(size, device)
    echo(f'[limit] fp32 matmul rate at {size}x{size}x{size}: '
         f'{sq32:.1f} GFLOP/s')
    if has_bf16:
        rate = flops['all'] / sec['bf16_all'] / 1e9
        out['bf16_all_gflops'] = rate
        out['bf16_square_gflops'] = sq16 = square_rate(size, device,
                                                        torch.bfloat16)
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
    times = interleaved(cases, reps, warmup, device)
    ratios = {}
    for name in names:
        ratios[name] = paired_ratio(times['today'], times[name])
        same = 'same math' if PATHS[name][2] else 'rounds differently'
        echo(f'[paths] {name:<20} {batch / statistics.median(times[name]):6.1f}'
             f' img/s, {ratios[name]:.3f}x today (paired; {same})')
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
    times = interleaved(cases, reps, warmup, device)
    rates = {}
    for b in sizes:
        rates[b] = b / statistics.median(times[b])
        per_image = paired_ratio([t / reference for t in times[reference]],
                                 [t / b for t in times[b]])
        echo(f'[batches] batch {b:>3}: {rates[b]:6.1f} img/s, '
             f'{statistics.median(times[b]) * 1e3:6.0f} ms a step, '
             f'{per_image:.2f}x batch {reference} per image (paired)')
    return rates
