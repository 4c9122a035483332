"""Detection-head iteration time, the feature-cache speed-up, the sweep cost.

Builds the model of a detection config as the Runner does (random weights,
no checkpoint needed) and times, on the same batch, with the repetitions
interleaved so that drift hits all alike:

* ``live``: one training iteration with live features: frozen
  cover-and-stride backbone + projector, head, backward, optimiser step
  (an iteration of the limited-annotation runs, whose warp changes every
  sample);
* ``cached``: the same iteration with the features read from
  :class:`CachedTopdownPoseEstimator`'s cache (every epoch after the first
  of an un-augmented, full-annotation run);
* ``features``: the frozen features alone (``extract_feat``, no grad).

It prints the cache speed-up ``live / cached`` and the cost of the Table 3
sweep (6 sizes x 3 seeds x 3 projector dims, DVE's 15,800-15,850 iterations
per run, or CL's 32,000) on this machine, and an ESTIMATE on one H200 from
the measured H200 throughput of cover-and-stride at stride 2 (DeiT-S, 96-px
faces, bf16, batch 512: about 1.9k images/s; the plain DeiT-S forward runs
at about 30k images/s): the CPU iteration is scaled by the ratio of the two
feature throughputs (CPU measured here, H200 given).

Usage::

    python tools/benchmarks/bench_detection.py [--config CFG] [--batch 8]
        [--reps 3] [--warmup 1] [--threads 0] [--device cpu]
        [--gpu-images-per-s 1900]
"""
import argparse
import os.path as osp
import statistics

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import sce_mae_mm  # noqa: F401
from sce_mae_mm.benchmark.paths import project_root
from sce_mae_mm.benchmark.speed_cases import make_samples, uint8_images
from sce_mae_mm.benchmark.timing import interleaved
from sce_mae_mm.engine import bf16_autocast, decide_bf16
from sce_mae_mm.studies.limited_annotations import protocol_iterations

SIZES = (1, 5, 10, 20, 50, 100)
N_TRAIN = 10122  # AFLW_M


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--config',
        default=osp.join(project_root(), 'configs', 'detection',
                         'sce_mae_deit_s_aflw_m_limited.py'))
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--threads', type=int, default=0,
                        help='torch CPU threads (0: leave as is)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--fp32', action='store_true',
                        help='no bf16 autocast (default: on where the CPU '
                        'runs bf16 matmuls fast, printed)')
    parser.add_argument('--gpu-images-per-s', type=float, default=1900.,
                        help='H200 cover-and-stride throughput (stride 2)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    init_default_scope('mmpose')
    cfg.model.init_cfg = None
    cfg.model.type = 'CachedTopdownPoseEstimator'
    model = MODELS.build(cfg.model).to(args.device)
    model.init_weights()
    model.train()
    bf16 = decide_bf16(force_fp32=args.fp32 or args.device != 'cpu')
    if bf16:
        cfg.optim_wrapper.type = 'CPUBf16OptimWrapper'
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)

    context = int(cfg.get('context', 0))
    side = 96 + 2 * context
    images = uint8_images(args.batch, side)
    samples = make_samples(args.batch, cfg.model.head.num_keypoints)
    data = dict(inputs=list(images), data_samples=samples)
    batch = model.data_preprocessor(data, training=True)
    inputs, data_samples = batch['inputs'], batch['data_samples']

    def step(use_cache: bool):
        model.cache_features = use_cache
        with optim_wrapper.optim_context(model):
            losses = model.loss(inputs, data_samples)
        loss, _ = model.parse_losses(losses)
        optim_wrapper.update_params(loss)

    def features():
        with torch.no_grad(), bf16_autocast(bf16):
            return model.extract_feat(inputs)

    model.cache_features = True
    model.cached_feat(inputs, data_samples)  # fill the cache
    times = interleaved(
        dict(live=lambda: step(False), cached=lambda: step(True),
             features=features), args.reps, args.warmup, args.device)
    med = {name: statistics.median(t) for name, t in times.items()}
    print(f'config {osp.basename(args.config)}  arch '
          f'{cfg.model.backbone.arch}  stride {cfg.model.backbone.stride}  '
          f'head in {cfg.model.head.in_channels}  batch {args.batch}  '
          f'device {args.device}  threads {torch.get_num_threads()}  reps '
          f'{args.reps}')
    labels = dict(live='iteration, live features', cached='iteration, '
                  'cached features', features='frozen features only')
    for name, label in labels.items():
        print(f'{label:28s}' + ' '.join(f'{t:.3f}' for t in times[name]) +
              f'  median {med[name]:.3f} s')
    print(f'ratio live / cached (feature-cache speed-up) = '
          f'{med["live"] / med["cached"]:.1f}')

    if (cfg.model.backbone.arch, cfg.model.backbone.stride) != ('deit-s', 2):
        print('note: the H200 throughput is that of DeiT-S at stride 2; '
              'this config is not, so the H200 line does not apply')
    per_image = med['live'] / args.batch
    it32 = 32 * per_image  # the references' batch
    runs = len(SIZES) * 3 * 3
    for name, tile_to, epochs in (('DVE', 'train_size', 50),
                                  ('CL', 1000, 1000)):
        iters = sum(protocol_iterations(N_TRAIN, n, tile_to, epochs)
                    for n in SIZES) * 3 * 3
        cpu_h = iters * it32 / 3600
        feat_rate = args.batch / med['features']  # images / s here
        speed = args.gpu_images_per_s / feat_rate
        gpu_h = cpu_h / speed
        print(f'{name} sweep: {runs} runs, {iters:,} iterations at batch '
              f'32: {it32:.2f} s / iteration here (batch {args.batch} '
              f'scaled) -> {cpu_h:,.0f} h on this machine; ESTIMATE on one '
              f'H200 ({args.gpu_images_per_s:.0f} images/s cover-and-stride '
              f'vs {feat_rate:.1f} here, x{speed:.0f}): {gpu_h:.1f} h')


if __name__ == '__main__':
    main()
