"""Write the synthetic face sets in the real dataset layouts.

Usage::

    python tools/make_synthetic_faces.py --out data/synthetic --num 2000 \
        --seed 0

writes ``OUT/celeba``, ``OUT/aflw-mtfl``, ``OUT/aflw/aflw_release-2``,
``OUT/300w/300w`` and ``OUT/synthetic_manifest.json`` (see
``sce_mae_mm/datasets/synthetic/writer.py`` for the layouts and how the faces
are shared among the splits).
"""
import argparse
import time

from sce_mae_mm.datasets.synthetic import make_synthetic_faces


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/synthetic',
                        help='output folder')
    parser.add_argument('--num', type=int, default=2000,
                        help='number of faces in all (>= 16)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--extra-celeba-train', type=int, default=0,
                        help='faces added to the CelebA training partition '
                        'only (more distinct stage-1 faces, the evaluation '
                        'splits unchanged)')
    parser.add_argument('--mafl-test', type=int, default=None,
                        help='MAFL test faces in all (even; default: the '
                        "split's share of --num); the faces beyond the share "
                        'are appended, the other splits unchanged (the real '
                        'protocol: 1000)')
    for opt, dest, name in (
            ('--aflw-m-test', 'aflw_m_test', 'AFLW_M'),
            ('--aflw-r-test', 'aflw_r_test', 'AFLW_R'),
            ('--300w-test', 'face300w_test',
             '300W (helen and lfpw test sets and ibug)')):
        parser.add_argument(opt, type=int, default=None, dest=dest,
                            help=f'{name} test faces in all (default: the '
                            "split's share of --num); the faces beyond the "
                            'share are appended, the other splits unchanged')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    manifest = make_synthetic_faces(
        args.out, args.num, args.seed, args.extra_celeba_train,
        args.mafl_test, aflw_m_test=args.aflw_m_test,
        aflw_r_test=args.aflw_r_test, face300w_test=args.face300w_test)
    took = time.perf_counter() - start
    for split, n in manifest['counts'].items():
        print(f'{split:22s} {n:6d}')
    extra = (f' + {args.extra_celeba_train} CelebA training faces'
             if args.extra_celeba_train else '')
    print(f'wrote {args.num} faces{extra} to {args.out} in {took:.1f} s '
          f'(seed {args.seed})')


if __name__ == '__main__':
    main()
