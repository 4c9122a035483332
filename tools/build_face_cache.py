"""Build the face cache of a training config (issue 27, docs/datasets.md).

Usage::

    python tools/build_face_cache.py CONFIG [--out PATH] [--workers N]
        [--chunk 256] [--cfg-options k=v ...]

CONFIG is a cached config (``configs/*_cached.py``: its ``cache`` path,
reader and pipeline head) or a JPEG config (then ``--out`` is needed). Runs
the pipeline's deterministic head (decode, DVE crop) over the training set
once and writes one uint8 ``.npy`` (N, 96, 96, 3) with a manifest beside it.
A killed build resumes where it stopped when rerun; a finished cache that
still matches its source is left as it is.
"""
import argparse

from mmengine.config import Config, DictAction

from sce_mae_mm.datasets.face_cache.builder import CHUNK, build_face_cache


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='training config')
    parser.add_argument('--out', help='cache path (default: the cached '
                        "config's cache)")
    parser.add_argument('--workers', type=int, default=0,
                        help='decoding processes (0: this one)')
    parser.add_argument('--chunk', type=int, default=CHUNK,
                        help='images written (and recorded done) at once')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. '
                        'train_dataloader.dataset.dataset.data_root=DIR')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    summary = build_face_cache(cfg, args.out, args.workers, args.chunk)
    state = ('up to date, nothing to do' if summary['up_to_date'] else
             f'written in {summary["seconds"]:.1f} s')
    if summary['resumed_from']:
        state += f' (resumed at image {summary["resumed_from"]})'
    print(f'{summary["cache"]}: {summary["count"]} images, '
          f'{summary["bytes"] / 1e9:.3f} GB, {state}; manifest '
          f'{summary["manifest"]}')


if __name__ == '__main__':
    main()
