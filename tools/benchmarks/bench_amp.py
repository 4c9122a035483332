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
import copy
import json
import logging
import os.path as osp
import platform
import statistics
import sys
import time
from typing import Callable, Dict, List, Tuple

import torch

ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from mmpretrain.structures import DataSample

import sce_mae_mm  # noqa: F401
from sce_mae_mm.engine import (bf16_autocast, bf16_matmul_speedup,
                               cpu_bf16_flags, install_fast_attention,
                               limit_cpu_threads, prepare_cpu_bf16)
from sce_mae_mm.models.backbones import SCEViT
from sce_mae_mm.models.utils import cover_and_stride

#: case → target ratio bf16 / fp32 on the 2-core machine (None: reported)
TARGETS = dict(stage1_deit_t=0.60, stage1_deit_s=0.50, stage2_deit_s=None,
               head_step=0.50, cover_and_stride_s2=0.55)
Step = Callable[[], object]


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


def cfg_path(*parts: str) -> str:
    return osp.join(ROOT, 'configs', *parts)


def build(cfg: Config, seed: int = 0) -> torch.nn.Module:
    """The config's model as the Runner builds it, fast attention on."""
    init_default_scope('mmpose')
    torch.manual_seed(seed)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    install_fast_attention(model)
    return model.train()


def pair(cfg: Config) -> Dict[str, Tuple[torch.nn.Module, object]]:
    """fp32 and bf16 (model, optim wrapper) of one config, same weights."""
    out = {}
    for kind in ('fp32', 'bf16'):
        model = build(cfg)
        wcfg = copy.deepcopy(cfg.optim_wrapper)
        wcfg.type = 'CPUBf16OptimWrapper' if kind == 'bf16' else \
            'OptimWrapper'
        out[kind] = (model, build_optim_wrapper(model, wcfg))
        if kind == 'bf16':
            prepare_cpu_bf16(model)  # as SCEMAERunner before step one
    return out


def train_steps(cfg: Config, data: dict) -> Dict[str, Step]:
    return {kind: (lambda m=m, w=w: m.train_step(data, w))
            for kind, (m, w) in pair(cfg).items()}


def stage1(arch: str, batch: int) -> Dict[str, Step]:
    cfg = Config.fromfile(cfg_path(f'sce_mae_{arch}_stage1.py'))
    images = torch.randint(0, 256, (batch, 3, 96, 96),
                           generator=torch.Generator().manual_seed(0),
                           dtype=torch.uint8)
    return train_steps(cfg, dict(inputs=images,
                                 data_samples=[DataSample()] * batch))


def stage2(batch: int = 32) -> Dict[str, Step]:
    cfg = Config.fromfile(cfg_path('sce_mae_deit_s_stage2.py'))
    cfg.model.backbone.checkpoint = None
    images = torch.randint(0, 256, (batch, 3, 96, 96),
                           generator=torch.Generator().manual_seed(0),
                           dtype=torch.uint8)
    data = dict(inputs=list(images),
                data_samples=[PoseDataSample() for _ in range(batch)])
    return train_steps(cfg, data)


def head_step(batch: int = 32) -> Dict[str, Step]:
    """A detection head's iteration on cached features (MAFL, DeiT-S)."""
    from bench_detection import make_samples
    cfg = Config.fromfile(cfg_path('detection', 'sce_mae_deit_s_mafl.py'))
    cfg.model.init_cfg = None
    cfg.model.type = 'CachedTopdownPoseEstimator'
    images = torch.randint(0, 256, (batch, 3, 96, 96),
                           generator=torch.Generator().manual_seed(0),
                           dtype=torch.uint8)
    steps = {}
    for kind, (model, wrapper) in pair(cfg).items():
        samples = make_samples(batch, cfg.model.head.num_keypoints)
        data = model.data_preprocessor(
            dict(inputs=list(images), data_samples=samples), training=True)
        model.cache_features = True
        with torch.no_grad():
            model.cached_feat(data['inputs'], data['data_samples'])

        def step(model=model, wrapper=wrapper, data=data):
            with wrapper.optim_context(model):
                losses = model.loss(data['inputs'], data['data_samples'])
            loss, _ = model.parse_losses(losses)
            wrapper.update_params(loss)

        steps[kind] = step
    return steps


def cover_and_stride_s2(batch: int = 8) -> Dict[str, Step]:
    backbone = SCEViT(arch='deit-s', stride=2).eval()
    install_fast_attention(backbone)
    images = torch.randn(batch, 3, 96, 96,
                         generator=torch.Generator().manual_seed(1))

    def dense(bf16: bool):
        with torch.no_grad(), bf16_autocast(bf16):
            return cover_and_stride(backbone.last_map, images,
                                    backbone.patch_size, 2).float()

    return dict(fp32=lambda: dense(False), bf16=lambda: dense(True))


BUILDERS = dict(stage1_deit_t=lambda: stage1('deit_t', 16),
                stage1_deit_s=lambda: stage1('deit_s', 32),
                stage2_deit_s=stage2, head_step=head_step,
                cover_and_stride_s2=cover_and_stride_s2)


def interleaved(steps: Dict[str, Step], reps: int,
                warmup: int) -> Dict[str, List[float]]:
    """Seconds per call, fp32 and bf16 alternating (order flipped each
    repetition)."""
    for _ in range(warmup):
        for fn in steps.values():
            fn()
    times: Dict[str, List[float]] = {k: [] for k in steps}
    for rep in range(reps):
        order = list(steps) if rep % 2 == 0 else list(steps)[::-1]
        for name in order:
            start = time.perf_counter()
            steps[name]()
            times[name].append(time.perf_counter() - start)
    return times


def profile(steps: Dict[str, Step], rows: int = 12) -> str:
    """Top operators by self CPU time of one bf16 step."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile
    steps['bf16']()
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        steps['bf16']()
    return prof.key_averages().table(sort_by='self_cpu_time_total',
                                     row_limit=rows)


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
