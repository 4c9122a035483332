"""The whole stage-1 training step against the model alone
(``tools/benchmarks/bench_stage1.py --data``).

Modes:

* ``tensor``: one fixed uint8 batch, ``model.train_step`` only (the model
  alone, the reference);
* ``jpeg``: batches from a DataLoader running the config's JPEG pipeline;
* ``cache``: batches from a DataLoader over the face cache
  (``face_batch_collate``), flipped by ``BatchFlipSelfSupDataPreprocessor``.

One model and optimiser serve every mode (each mode uses its own data
preprocessor); steps are interleaved (mode order alternating) so drift
cancels, and each step's time includes waiting for its batch. Besides the
wall clock, each mode's CPU seconds per step are counted (this process and
its loader workers): on a CPU shared with other jobs the wall clock mostly
measures the others.
"""
import statistics
import time
from typing import Callable, Dict, List, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpretrain.structures import DataSample

from ..engine import decide_bf16
from .data_loading import process_cpu_seconds
from .loaders import build_pair, flip_prob, loader
from .paths import deit_widths

MODES = ('tensor', 'jpeg', 'cache')


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def _workers_cpu(source) -> float:
    """CPU seconds so far of a DataLoader iterator's worker processes."""
    pids = [w.pid for w in getattr(source, '_workers', [])]
    return sum(process_cpu_seconds(pid) for pid in pids)


def build_model(cfg: Config, device: torch.device, bf16: bool,
                amp: bool = True):
    """The config's model, its optimiser wrapper and the two data
    preprocessors (the config's, and the cache's batched flip)."""
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.to(device).train()
    pre = dict(cfg.model.data_preprocessor)
    pre.pop('type')
    preprocessors = dict(
        jpeg=model.data_preprocessor,
        cache=MODELS.build(dict(
            pre, type='BatchFlipSelfSupDataPreprocessor',
            flip_prob=flip_prob(cfg), non_blocking=device.type == 'cuda'
        )).to(device))
    wcfg = cfg.optim_wrapper.copy()
    if bf16:
        wcfg.type = 'CPUBf16OptimWrapper'
    elif device.type == 'cuda' and amp:
        wcfg.update(type='AmpOptimWrapper', dtype='bfloat16')
    wrapper = build_optim_wrapper(model, wcfg)
    if wcfg.type == 'CPUBf16OptimWrapper':
        from ..engine import prepare_cpu_bf16
        prepare_cpu_bf16(model)  # as SCEMAERunner before step one
    return model, wrapper, preprocessors


def bench_training_loop(config: str, data_root: str, cache: str,
                        modes: Sequence[str] = MODES, arch: str = 'deit-t',
                        batch: int = 16, steps: int = 5, warmup: int = 2,
                        workers: int = 1, device: str = 'cpu',
                        fp32: bool = False,
                        cache_workers: Optional[int] = None,
                        echo: Callable[[str], None] = print) -> Dict:
    """Measure and print images/s of each mode (see the module doc).

    Args:
        config: a stage-1 JPEG config.
        data_root: the CelebA-layout root the loaders read.
        cache: the face cache of that root (built when missing or stale).
        modes: of :data:`MODES`.
        arch: backbone (``deit-t``, ``deit-s``, ``deit-b``).
        batch, steps, warmup: per mode.
        workers: DataLoader worker processes of ``jpeg`` (and of
            ``cache`` unless ``cache_workers`` is given).
        device: ``cpu`` or ``cuda``.
        fp32: no bf16 autocast (default: bf16 where the CPU runs it fast;
            bf16 AMP on a GPU).
        cache_workers: worker processes of ``cache`` (0: batches are
            gathered in this process, as the synthetic cached configs do).

    Returns:
        dict: mode -> images/s (median step), and ``<mode>/tensor``
        ratios (paired medians) for the data modes.
    """
    dev = torch.device(device)
    cfg, jpeg, cached = build_pair(config, data_root, cache)
    cfg.model.backbone.arch = arch
    cfg.model.neck.embed_dim = deit_widths()[arch].embed_dims
    bf16 = decide_bf16(force_fp32=fp32 or dev.type != 'cpu')
    model, wrapper, preprocessors = build_model(cfg, dev, bf16, not fp32)
    size = cfg.img_size
    fixed = dict(inputs=torch.randint(0, 256, (batch, 3, size, size),
                                      dtype=torch.uint8,
                                      generator=torch.Generator()
                                      .manual_seed(0)),
                 data_samples=[DataSample() for _ in range(batch)])
    pin = dev.type == 'cuda'
    cache_workers = workers if cache_workers is None else cache_workers
    sources = dict(tensor=None,
                   jpeg=iter(loader(jpeg, 'jpeg', batch, workers,
                                    steps + warmup, pin)),
                   cache=iter(loader(cached, 'cache', batch, cache_workers,
                                     steps + warmup, pin)))
    modes = [m for m in MODES if m in modes]

    def step(mode: str) -> float:
        _sync(dev)
        start = time.perf_counter()
        data = fixed if mode == 'tensor' else next(sources[mode])
        model.data_preprocessor = preprocessors[
            'cache' if mode == 'cache' else 'jpeg']
        model.train_step(data, wrapper)
        _sync(dev)
        return time.perf_counter() - start

    times: Dict[str, List[float]] = {m: [] for m in modes}
    cpu = {m: 0. for m in modes}  # this process's CPU seconds
    for rep in range(warmup + steps):
        if rep == warmup:
            workers0 = {m: _workers_cpu(sources[m]) for m in modes}
        for mode in (modes if rep % 2 == 0 else modes[::-1]):
            cpu0 = time.process_time()
            secs = step(mode)
            if rep >= warmup:
                times[mode].append(secs)
                cpu[mode] += time.process_time() - cpu0
    for m in modes:  # plus the CPU seconds of its loader workers
        cpu[m] = (cpu[m] + _workers_cpu(sources[m]) - workers0[m]) / steps
    out: Dict = {m: batch / statistics.median(t) for m, t in times.items()}
    precision = 'bf16' if bf16 or (pin and not fp32) else 'fp32'
    echo(f'[loop] {arch} batch {batch} on {dev} ({precision}), loader '
         f'workers: jpeg {workers}, cache {cache_workers}; {steps} steps per '
         'mode after '
         f'{warmup} warm-up (median), {len(cached)} faces from {data_root}')
    for mode in modes:
        out[f'{mode}/cpu_s'] = cpu[mode]
        line = (f'[loop] {mode:6s}: {out[mode]:8.1f} images/s, '
                f'{statistics.median(times[mode]):.3f} s/step wall, '
                f'{cpu[mode]:.3f} CPU s/step (with its loader workers)')
        if mode != 'tensor' and 'tensor' in times:
            ratio = statistics.median(
                a / b for a, b in zip(times['tensor'], times[mode]))
            out[f'{mode}/tensor'] = ratio
            line += f', {ratio:.3f} x the model alone (paired median)'
        echo(line)
    if 'jpeg' in times and 'cache' in times:
        out['jpeg/cache'] = statistics.median(
            j / c for j, c in zip(times['jpeg'], times['cache']))
        out['jpeg/cache_cpu'] = cpu['jpeg'] / cpu['cache']
        echo(f'[loop] s/step JPEG / cache: {out["jpeg/cache"]:.3f} wall '
             f'(paired median), {out["jpeg/cache_cpu"]:.3f} CPU (means); '
             '> 1: the cache is faster')
    return out
