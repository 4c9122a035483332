"""Cost of a stage-2 training step next to a frozen-backbone forward.

Builds the model of a stage-2 config as the Runner does (random backbone
weights, no checkpoint needed) and times, on the same batch, with the
repetitions interleaved so that drift hits both alike:

* ``step``: one full stage-2 training step, ``model.train_step`` (data
  preprocessor, frozen backbone ``forward_features``, attentive split,
  density-peak clustering, approximation, projector, LCR loss, backward and
  the AdamW update);
* ``forward``: one frozen-backbone forward of the same (preprocessed) batch
  under ``torch.no_grad``.

It prints the median of each and their ratio (target <= 1.25: the stage-2
machinery costs little next to the backbone).

Usage::

    python tools/benchmarks/bench_stage2.py [--config CFG] [--batch 32]
        [--reps 5] [--warmup 1] [--threads 0] [--device cpu]
"""
import argparse
import os.path as osp
import statistics
import sys
import time
from typing import Callable, Dict, List

import torch

ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmpose.registry import MODELS  # noqa: E402
from mmpose.structures import PoseDataSample  # noqa: E402

import sce_mae_mm  # noqa: E402,F401


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--config',
        default=osp.join(ROOT, 'configs', 'sce_mae_deit_s_stage2.py'))
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--threads', type=int, default=0,
                        help='torch CPU threads (0: leave as is)')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def timed(fn: Callable[[], object], device: str) -> float:
    """Wall-clock seconds of one call (synchronised on CUDA)."""
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    return time.perf_counter() - start


def interleaved(fns: Dict[str, Callable[[], object]], reps: int,
                warmup: int, device: str) -> Dict[str, List[float]]:
    """Run every function once per round, ``warmup`` + ``reps`` rounds."""
    times: Dict[str, List[float]] = {name: [] for name in fns}
    for round_ in range(warmup + reps):
        for name, fn in fns.items():
            seconds = timed(fn, device)
            if round_ >= warmup:
                times[name].append(seconds)
    return times


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    init_default_scope('mmpose')
    cfg.model.backbone.checkpoint = None
    model = MODELS.build(cfg.model).to(args.device)
    model.init_weights()
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)

    gen = torch.Generator().manual_seed(0)
    images = torch.randint(
        0, 256, (args.batch, 3, 96, 96), generator=gen, dtype=torch.uint8)
    data = dict(
        inputs=list(images),
        data_samples=[PoseDataSample() for _ in range(args.batch)])
    inputs = model.data_preprocessor(data, training=False)['inputs']

    def step():
        return model.train_step(data, optim_wrapper)

    def forward():
        with torch.no_grad():
            return model.backbone(inputs)

    times = interleaved(
        dict(step=step, forward=forward), args.reps, args.warmup,
        args.device)
    step_s = statistics.median(times['step'])
    fwd_s = statistics.median(times['forward'])
    print(f'config {osp.basename(args.config)}  arch '
          f'{cfg.model.backbone.arch}  batch {args.batch}  device '
          f'{args.device}  threads {torch.get_num_threads()}  reps '
          f'{args.reps}')
    print('stage-2 training step  ' +
          ' '.join(f'{t:.3f}' for t in times['step']) +
          f'  median {step_s:.3f} s')
    print('frozen backbone fwd    ' +
          ' '.join(f'{t:.3f}' for t in times['forward']) +
          f'  median {fwd_s:.3f} s')
    print(f'ratio step / forward = {step_s / fwd_s:.3f} (target <= 1.25)')


if __name__ == '__main__':
    main()
