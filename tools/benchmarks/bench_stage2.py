"""Cost of a stage-2 training step next to a frozen-backbone forward.

Builds the model of a stage-2 config as the Runner does (random backbone
weights, no checkpoint needed) and times, on the same batch, with the
repetitions interleaved so that drift hits both alike:

* ``step``: one stage-2 training step on the normalised batch: frozen
  backbone ``forward_tokens``, attentive split, density-peak clustering,
  approximation, projector, LCR loss, backward and the AdamW update
  (``model.loss`` + ``optim_wrapper.update_params``);
* ``forward``: one frozen-backbone forward of the same normalised batch
  under ``torch.no_grad``.

Their ratio (target <= 1.25) says what the stage-2 machinery costs next to
the backbone. The data preprocessor (uint8 -> normalised float, BGR -> RGB)
is the same for both uses of the backbone, so it is timed on its own and
also reported as ``train_step`` (``model.train_step``, preprocessing
included) against preprocessing + forward.

Usage::

    python tools/benchmarks/bench_stage2.py [--config CFG] [--batch 32]
        [--reps 5] [--warmup 1] [--threads 0] [--device cpu]
"""
import argparse
import os.path as osp
import statistics

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import sce_mae_mm  # noqa: F401
from sce_mae_mm.benchmark.paths import project_root
from sce_mae_mm.benchmark.speed_cases import uint8_images
from sce_mae_mm.benchmark.timing import interleaved
from sce_mae_mm.engine import bf16_autocast, decide_bf16


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--config',
        default=osp.join(project_root(), 'configs',
                         'sce_mae_deit_s_stage2.py'))
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--threads', type=int, default=0,
                        help='torch CPU threads (0: leave as is)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--fp32', action='store_true',
                        help='no bf16 autocast (default: on where the CPU '
                        'runs bf16 matmuls fast, printed)')
    return parser.parse_args()


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
    bf16 = decide_bf16(force_fp32=args.fp32 or args.device != 'cpu')
    if bf16:
        cfg.optim_wrapper.type = 'CPUBf16OptimWrapper'
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)

    images = uint8_images(args.batch)
    data = dict(
        inputs=list(images),
        data_samples=[PoseDataSample() for _ in range(args.batch)])
    inputs = model.data_preprocessor(data, training=False)['inputs']

    def step():
        with optim_wrapper.optim_context(model):
            losses = model.loss(inputs)
        loss, _ = model.parse_losses(losses)
        optim_wrapper.update_params(loss)

    def forward():
        with torch.no_grad(), bf16_autocast(bf16):
            return model.backbone(inputs)

    def preprocess():
        return model.data_preprocessor(data, training=True)

    def train_step():
        return model.train_step(data, optim_wrapper)

    times = interleaved(
        dict(step=step, forward=forward, preprocess=preprocess,
             train_step=train_step), args.reps, args.warmup, args.device)
    med = {name: statistics.median(t) for name, t in times.items()}
    print(f'config {osp.basename(args.config)}  arch '
          f'{cfg.model.backbone.arch}  batch {args.batch}  device '
          f'{args.device}  threads {torch.get_num_threads()}  reps '
          f'{args.reps}')
    labels = dict(step='stage-2 training step', forward='frozen backbone '
                  'forward', preprocess='data preprocessor',
                  train_step='train_step (+preprocessor)')
    for name, label in labels.items():
        print(f'{label:28s}' + ' '.join(f'{t:.3f}' for t in times[name]) +
              f'  median {med[name]:.3f} s')
    print(f'ratio step / forward = {med["step"] / med["forward"]:.3f} '
          '(target <= 1.25)')
    with_pre = med['train_step'] / (med['preprocess'] + med['forward'])
    print(f'ratio train_step / (preprocessor + forward) = {with_pre:.3f}')


if __name__ == '__main__':
    main()
