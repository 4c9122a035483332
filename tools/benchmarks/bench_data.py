"""Loader images/s per core: the JPEG pipeline against the face cache.

Usage::

    python tools/benchmarks/bench_data.py [--config CFG] [--data-root DIR]
        [--cache PATH] [--batch 512] [--reps 5] [--worker-steps 3]

Prints, in one run, images/s per loader core of the stage-1 JPEG pipeline
(decode, DVE crop, flip, pack) and of the face cache (gather, pack; the
flip runs in the data preprocessor), their ratio, the workers each needs to
feed 13,000 and 39,000 images/s, and what one DataLoader worker delivers
(``sce_mae_mm/benchmark/data_loading.py``). The cache is built first when
it is missing or stale.
"""
import argparse

from sce_mae_mm.benchmark.data_loading import bench_data
from sce_mae_mm.benchmark.loaders import DEFAULT_CACHE, DEFAULT_ROOT


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config',
                        default='configs/sce_mae_deit_t_stage1.py',
                        help='stage-1 JPEG config (pipeline and reader)')
    parser.add_argument('--data-root', default=DEFAULT_ROOT,
                        help='CelebA-layout root')
    parser.add_argument('--cache', default=DEFAULT_CACHE,
                        help='face cache of that root (built if needed)')
    parser.add_argument('--batch', type=int, default=512)
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--worker-steps', type=int, default=3,
                        help='cache batches timed through one worker '
                        '(0: skip the one-worker lines)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    bench_data(args.config, args.data_root, args.cache, args.batch,
               args.reps, args.worker_steps)


if __name__ == '__main__':
    main()
