"""Loader throughput per core: the JPEG pipeline against the face cache
(``tools/benchmarks/bench_data.py``).

Per core: batches of shuffled indices fetched and collated in this process
as a DataLoader worker does (torch's map fetcher: ``__getitems__`` when the
dataset has it), JPEG and cache batches interleaved, timed in CPU seconds of
this process (other jobs on the machine do not count; OpenCV and torch run
single-threaded as in mmengine's workers). One worker: a real DataLoader
with one worker process, wall seconds per batch in the main process
(includes the transfer between the processes; affected by other jobs),
and the CPU seconds the worker and the main process spent on them.
"""
import math
import os
import statistics
import time
from typing import Callable, Dict, List

import cv2
import torch

from .loaders import COLLATE, build_pair, fetch, loader, random_batches

#: the GPU rates the issue plans for (DeiT-S stage 1 on one H200, and 3x)
TARGETS = (13000, 39000)


def per_core_rates(datasets: Dict[str, object], batch: int, reps: int,
                   warmup: int = 1) -> Dict[str, List[float]]:
    """CPU seconds per batch of each loader, repetitions interleaved."""
    size = len(next(iter(datasets.values())))
    plan = random_batches(size, batch, reps + warmup)
    secs: Dict[str, List[float]] = {k: [] for k in datasets}
    for rep, idx in enumerate(plan):
        names = list(datasets) if rep % 2 == 0 else list(datasets)[::-1]
        for name in names:
            start = time.process_time()
            fetch(datasets[name], COLLATE[name], idx.tolist())
            if rep >= warmup:
                secs[name].append(time.process_time() - start)
    return secs


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (Linux ``/proc``; NaN
    elsewhere)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except OSError:
        return float('nan')
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def one_worker_rate(dataset, kind: str, batch: int,
                    steps: int) -> Dict[str, float]:
    """What one DataLoader worker delivers, after its first batch.

    Returns:
        dict: ``wall`` images/s; ``worker_cpu`` images per CPU second of
        the worker process (its rate with a core to itself: fetch, collate
        and the hand-over through shared memory); ``main_cpu`` images per
        CPU second of this process receiving them.
    """
    batches = iter(loader(dataset, kind, batch, workers=1, steps=steps + 1))
    next(batches)
    worker = batches._workers[0].pid
    cpu0, main0 = process_cpu_seconds(worker), time.process_time()
    start = time.perf_counter()
    for _ in range(steps):
        next(batches)
    wall = time.perf_counter() - start
    cpu = process_cpu_seconds(worker) - cpu0
    main = time.process_time() - main0
    images = batch * steps
    return dict(wall=images / wall, worker_cpu=images / max(cpu, 1e-9),
                main_cpu=images / max(main, 1e-9))


def bench_data(config: str, data_root: str, cache: str, batch: int = 512,
               reps: int = 5, worker_steps: int = 3,
               echo: Callable[[str], None] = print) -> Dict:
    """Measure and print the loaders (see the module doc).

    Args:
        config: a stage-1 JPEG config (its pipeline and reader).
        data_root: the CelebA-layout root to read.
        cache: the cache path (built first when missing or stale).
        batch: images per batch.
        reps: interleaved repetitions per loader (after one warm-up).
        worker_steps: batches timed through one worker (0: skip).
        echo: where the lines go.

    Returns:
        dict: per loader ``per_core`` images/s (median), ``workers``
        needed for each of :data:`TARGETS`, ``one_worker`` images/s; and
        ``ratio`` (cache / JPEG per core, paired median).
    """
    threads = torch.get_num_threads(), cv2.getNumThreads()
    cv2.setNumThreads(0)
    torch.set_num_threads(1)
    try:
        return _bench_data(config, data_root, cache, batch, reps,
                           worker_steps, echo)
    finally:  # the caller's thread counts, as they were
        torch.set_num_threads(threads[0])
        cv2.setNumThreads(threads[1])


def _bench_data(config: str, data_root: str, cache: str, batch: int,
                reps: int, worker_steps: int,
                echo: Callable[[str], None]) -> Dict:
    """The body of :func:`bench_data`, on one thread."""
    _, jpeg, cached = build_pair(config, data_root, cache)
    datasets = dict(jpeg=jpeg, cache=cached)
    secs = per_core_rates(datasets, batch, reps)
    out: Dict = {}
    for name, values in secs.items():
        rate = batch / statistics.median(values)
        out[name] = dict(per_core=rate, workers={
            t: math.ceil(t / rate) for t in TARGETS})
    out['ratio'] = statistics.median(
        j / c for j, c in zip(secs['jpeg'], secs['cache']))
    echo(f'{len(cached)} training faces from {data_root}; batch {batch} '
         f'of shuffled indices; {reps} interleaved repetitions (median), '
         'CPU seconds of one core')
    for name, label in (('jpeg', 'JPEG pipeline'), ('cache', 'face cache')):
        need = ', '.join(f'{n} workers for {t:,} img/s'
                         for t, n in out[name]['workers'].items())
        echo(f'[{name:5s}] {label}: {out[name]["per_core"]:,.0f} images/s '
             f'per loader core; needs {need}')
    echo(f'[ratio] cache / JPEG per core: {out["ratio"]:.1f}x '
         '(goal >= 30x)')
    if worker_steps > 0:
        for name in ('jpeg', 'cache'):
            steps = worker_steps if name == 'cache' else 1
            rates = one_worker_rate(datasets[name], name, batch, steps)
            out[name]['one_worker'] = rates
            goal = ' (goal >= 39,000)' if name == 'cache' else ''
            echo(f'[{name:5s}] one DataLoader worker, {steps} batch(es): '
                 f'{rates["wall"]:,.0f} images/s wall; '
                 f'{rates["worker_cpu"]:,.0f} images per CPU second of the '
                 f'worker{goal}, {rates["main_cpu"]:,.0f} of the main '
                 'process')
    return out
