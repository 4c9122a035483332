"""Stage-1 and cover-and-stride throughput, measured in one run.

1. Stage-1 training images/s: the model of our stage-1 config (built as the
   Runner builds it, in the mmpose scope) vs mmpretrain's stock ``MAE`` built
   directly in the mmpretrain scope with the same encoder/decoder sizes. Both
   run ``train_step`` (data preprocessor, forward, backward, AdamW step) on
   the same uint8 batch; repetitions are interleaved to cancel drift.
2. Cover-and-stride at stride s (default 2, 16 shifts): the default
   chunking (one batch on a GPU, calls of B copies on a CPU) and one call
   on all B * 16 copies vs a Python loop of separate shifted calls vs one
   plain forward.

3. ``--data {tensor,jpeg,cache}`` (instead of 1 and 2): the whole training
   step with its data against the model alone on a fixed batch (tensor),
   from the JPEG pipeline and from the face cache, interleaved
   (``sce_mae_mm/benchmark/training_loop.py``).
4. ``--limit`` / ``--paths`` / ``--batches`` (instead; default config: the
   quick start's stage 1 of ``--arch``): FLOPs, attained and machine matmul
   rates; variants vs today; img/s vs batch (docs/cpu_speed.md).

Usage::

    python tools/benchmarks/bench_stage1.py [--device cpu] [--arch deit-t]
        [--batch 16] [--cs-batch 8] [--stride 2] [--reps 5] [--skip-stage1]
    python tools/benchmarks/bench_stage1.py --data tensor jpeg cache
        [--workers 1] [--cache-workers N] [--data-root DIR] [--cache PATH]
        [--device cuda]
    python tools/benchmarks/bench_stage1.py --limit [--paths kept grouped]
        [--batches 8 32 64] [--arch deit-s] [--device cuda] [--amp]
"""
import argparse
import os.path as osp
import statistics

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

import sce_mae_mm  # noqa: F401
from sce_mae_mm.benchmark.loaders import DEFAULT_CACHE, DEFAULT_ROOT
from sce_mae_mm.benchmark.paths import project_root
from sce_mae_mm.benchmark.speed_cases import (WIDTHS, build_ours, build_stock,
                                              looped_cover_and_stride,
                                              uint8_images)
from sce_mae_mm.benchmark.stage1_limit import (add_limit_args,
                                               step_limits_from_args)
from sce_mae_mm.benchmark.timing import interleaved, paired_ratio
from sce_mae_mm.benchmark.training_loop import MODES, bench_training_loop
from sce_mae_mm.engine import (bf16_autocast, decide_bf16,
                               install_fast_attention)
from sce_mae_mm.models.backbones import SCEViT
from sce_mae_mm.models.utils import cover_and_stride


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=None,
                        help='default: configs/sce_mae_deit_t_stage1.py; '
                        'with --limit/--paths/--batches the quick start\'s '
                        'stage 1 of --arch (configs/synthetic/)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--fp32', action='store_true',
                        help='no bf16 autocast (default: on where the CPU '
                        'runs bf16 matmuls fast, printed)')
    parser.add_argument('--arch', default='deit-t', choices=sorted(WIDTHS))
    parser.add_argument('--batch', type=int, default=16,
                        help='stage-1 training batch')
    parser.add_argument('--cs-batch', type=int, default=8,
                        help='images per cover-and-stride call')
    parser.add_argument('--stride', type=int, default=2)
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=0,
                        help='torch CPU threads (0: leave as is)')
    parser.add_argument('--skip-stage1', action='store_true',
                        help='only the cover-and-stride benchmark')
    parser.add_argument('--data', nargs='+', choices=MODES,
                        help='measure the training loop with these data '
                        'sources instead (tensor = the model alone)')
    parser.add_argument('--workers', type=int, default=1,
                        help='--data: DataLoader workers')
    parser.add_argument('--cache-workers', type=int, default=None,
                        help='--data: workers of the cache loader '
                        '(default: --workers)')
    parser.add_argument('--data-root', default=DEFAULT_ROOT,
                        help='--data: CelebA-layout root')
    parser.add_argument('--cache', default=DEFAULT_CACHE,
                        help='--data: its face cache (built if needed)')
    add_limit_args(parser)
    return parser.parse_args()


def median(values) -> float:
    return statistics.median(values)


def bench_stage1(args: argparse.Namespace, device: torch.device) -> None:
    cfg = Config.fromfile(args.config)
    models = dict(ours=build_ours(cfg, args.arch),
                  stock=build_stock(cfg, args.arch))
    images = uint8_images(args.batch, cfg.img_size)
    data = dict(
        inputs=images, data_samples=[DataSample()] * args.batch)
    cases = {}
    for name, model in models.items():
        model.to(device).train()
        wcfg = cfg.optim_wrapper.copy()
        if args.bf16:
            wcfg.type = 'CPUBf16OptimWrapper'
        wrapper = build_optim_wrapper(model, wcfg)

        def step(model=model, wrapper=wrapper):
            return model.train_step(data, wrapper)

        cases[name] = step
    times = interleaved(cases, args.reps, args.warmup, device)
    rates = {k: args.batch / median(v) for k, v in times.items()}
    ratio = paired_ratio(times['stock'], times['ours'])
    same = type(models['ours']) is type(models['stock'])
    print(f'[stage 1] {args.arch} batch {args.batch} on {device}: '
          f'ours {rates["ours"]:.1f} img/s, stock mmpretrain MAE '
          f'{rates["stock"]:.1f} img/s (medians); paired ratio ours/stock '
          f'{ratio:.3f} (target >= 0.95); same class: {same}')


# ------------------------------------------------------- cover-and-stride
def bench_cover_and_stride(args: argparse.Namespace,
                           device: torch.device) -> None:
    backbone = SCEViT(arch=args.arch, stride=args.stride).to(device)
    patch, size = backbone.patch_size, backbone.img_size
    gen = torch.Generator().manual_seed(1)
    images = torch.randn(args.cs_batch, 3, size, size, generator=gen)
    images = images.to(device)
    fn = backbone.last_map
    shifts = (patch // args.stride)**2
    everything = args.cs_batch * shifts
    cases = dict(
        default=lambda: cover_and_stride(fn, images, patch, args.stride),
        one_call=lambda: cover_and_stride(
            fn, images, patch, args.stride, chunk_size=everything),
        looped=lambda: looped_cover_and_stride(fn, images, patch,
                                               args.stride),
        plain=lambda: fn(images))
    tol = 5e-2 if args.bf16 else 1e-4  # bf16: batch-size dependent sums
    with torch.no_grad(), bf16_autocast(args.bf16):
        install_fast_attention(backbone)
        dense = cases['default']()
        torch.testing.assert_close(dense, cases['looped'](), rtol=tol,
                                   atol=tol)
        torch.testing.assert_close(dense, cases['one_call'](), rtol=tol,
                                   atol=tol)
        times = interleaved(cases, args.reps, args.warmup, device)
    secs = {k: median(v) for k, v in times.items()}
    print(f'[cover-and-stride] {args.arch} stride {args.stride} '
          f'({shifts} shifts), {args.cs_batch} images of {size} px on '
          f'{device}, map {tuple(dense.shape)}: default chunking '
          f'{secs["default"] * 1e3:.1f} ms, one call of {everything} '
          f'{secs["one_call"] * 1e3:.1f} ms, loop of {shifts} calls '
          f'{secs["looped"] * 1e3:.1f} ms, plain forward '
          f'{secs["plain"] * 1e3:.1f} ms')
    for name in ('default', 'one_call'):
        speed = paired_ratio(times['looped'], times[name])
        cost = paired_ratio(times[name], times['plain'])
        print(f'[cover-and-stride] {name}: speed vs loop {speed:.2f}x '
              f'(target >= 1 on CPU); cost vs one plain forward '
              f'{cost:.2f}x ({shifts} times the images, {cost / shifts:.2f}x'
              f' per image); paired medians')


def main() -> None:
    args = parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    args.bf16 = decide_bf16(force_fp32=args.fp32 or device.type != 'cpu')
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'reps {args.reps} (median), warm-up {args.warmup}')
    if args.limit or args.paths or args.batches:
        return step_limits_from_args(args, device)
    args.config = args.config or osp.join(project_root(), 'configs',
                                          'sce_mae_deit_t_stage1.py')
    if args.data:
        bench_training_loop(args.config, args.data_root, args.cache,
                            args.data, args.arch, args.batch, args.reps,
                            args.warmup, args.workers, args.device,
                            args.fp32, args.cache_workers)
        return
    if not args.skip_stage1:
        bench_stage1(args, device)
    bench_cover_and_stride(args, device)


if __name__ == '__main__':
    main()
