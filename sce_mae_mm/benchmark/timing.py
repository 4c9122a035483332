"""Timing for the speed benchmarks: cases run side by side, repetitions
interleaved so that drift (other jobs, clocks) hits every case alike."""
import statistics
import time
from typing import Callable, Dict, List, Sequence, Union

import torch

Device = Union[str, torch.device]


def _sync(device: Device) -> None:
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], object], device: Device = 'cpu') -> float:
    """Wall-clock seconds of one call (synchronised on CUDA)."""
    _sync(device)
    start = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - start


def interleaved(cases: Dict[str, Callable[[], object]], reps: int,
                warmup: int, device: Device = 'cpu') -> Dict[str, List[float]]:
    """Seconds per call of each case, repetitions interleaved.

    ``warmup`` untimed rounds first; then repetition ``r`` runs every case
    once, in alternating order (reversed on odd ``r``), so that the
    ``r``-th times of two cases are measured side by side.
    """
    for _ in range(warmup):
        for fn in cases.values():
            fn()
    times: Dict[str, List[float]] = {k: [] for k in cases}
    for rep in range(reps):
        names = list(cases) if rep % 2 == 0 else list(cases)[::-1]
        for name in names:
            times[name].append(timed(cases[name], device))
    return times


def paired_ratio(num: Sequence[float], den: Sequence[float]) -> float:
    """Median over repetitions of ``num[r] / den[r]`` (drift cancels)."""
    return statistics.median(a / b for a, b in zip(num, den))
