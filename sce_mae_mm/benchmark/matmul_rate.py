"""The machine's own matmul rate: at a step's shapes and at a large square.

:func:`replay` runs each distinct matmul-like call of a step
(:class:`~.step_flops.MatmulCall`, recorded by :func:`~.step_flops.count_step`)
alone, on fresh random tensors of the same shapes, strides and dtype (or
another dtype), as often as the step ran it: the FLOPs over its time is
what this machine does at the step's own shapes, with nothing else in the
way. :func:`square_rate` is the rate of one large square matmul.
:func:`bf16_support` says whether a bf16 rate means anything here.
"""
import statistics
import time
from typing import Callable, List, Optional, Sequence, Tuple

import torch

from .step_flops import MatmulCall, TensorSpec
from .timing import Device, _sync


def _materialise(obj, dtype: Optional[torch.dtype], device: Device,
                 gen: torch.Generator):
    if isinstance(obj, TensorSpec):
        kind = obj.dtype if dtype is None or not obj.dtype.is_floating_point \
            else dtype
        span = 1 + sum((s - 1) * st for s, st in zip(obj.shape, obj.stride)
                       if s > 0)
        flat = torch.randn(max(span, 1), generator=gen).to(device, kind)
        return flat.as_strided(obj.shape, obj.stride)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(o, dtype, device, gen) for o in obj)
    return obj


def _runner(call: MatmulCall, dtype: Optional[torch.dtype],
            device: Device) -> Callable[[], object]:
    gen = torch.Generator().manual_seed(0)
    args = _materialise(call.args, dtype, device, gen)
    kwargs = {k: _materialise(v, dtype, device, gen)
              for k, v in call.kwargs.items()}
    return lambda: call.op(*args, **kwargs)


def replay(calls: Sequence[MatmulCall], device: Device = 'cpu',
           dtype: Optional[torch.dtype] = None,
           kinds: Sequence[str] = ('mm', 'conv', 'attention')
           ) -> Tuple[Callable[[], None], int]:
    """A closure running the step's calls of ``kinds`` alone, each as often
    as the step ran it, on fresh tensors (``dtype``: the floating dtype to
    run in; None: the recorded one), and the FLOPs of one run of it."""
    chosen = [c for c in calls if c.kind in kinds]
    runners = [(_runner(c, dtype, device), c.count) for c in chosen]

    def run() -> None:
        for fn, count in runners:
            for _ in range(count):
                fn()

    return run, sum(c.flops * c.count for c in chosen)


def square_rate(size: int = 2048, device: Device = 'cpu',
                dtype: torch.dtype = torch.float32,
                budget_s: float = 1.0, cpu_time: bool = False) -> float:
    """GFLOP/s of one (size x size) @ (size x size) matmul, median of the
    calls that fit in about ``budget_s`` (at least 3); ``cpu_time``: each
    call timed by this process's CPU seconds (one thread on a shared CPU)."""
    clock = time.process_time if cpu_time else time.perf_counter
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=gen).to(device, dtype)
    b = torch.randn(size, size, generator=gen).to(device, dtype)
    a @ b
    times: List[float] = []
    end = time.perf_counter() + budget_s
    while len(times) < 3 or time.perf_counter() < end:
        _sync(device)
        t = clock()
        a @ b
        _sync(device)
        times.append(clock() - t)
    return 2 * size**3 / statistics.median(times) / 1e9


def bf16_support(device: Device = 'cpu') -> Tuple[bool, str]:
    """Whether this device has bf16 matmul units, and why (not)."""
    dev = torch.device(device)
    if dev.type == 'cuda':
        ok = torch.cuda.is_bf16_supported()
        name = torch.cuda.get_device_name(dev)
        return ok, f'{name}: bf16 {"supported" if ok else "not supported"}'
    from sce_mae_mm.engine.amp import cpu_bf16_flags
    flags = cpu_bf16_flags()
    if flags:
        return True, f'CPU flags {", ".join(flags)}'
    return False, ('no amx_bf16 or avx512_bf16 in the CPU flags: torch '
                   'emulates bf16 matmuls here, so they give no rate of this '
                   'machine\'s')
