"""Match points of one face into another.

    python tools/demo_match.py MATCH_CFG CKPT src.jpg tgt.jpg
        --points 30,40 60,40 --out-dir DIR [--stride 2] [--device cpu]

Writes ``match.png`` (source points and their matches) and ``match.json``.
"""
import argparse
import json
import os
import os.path as osp

import matplotlib
import mmcv
import numpy as np

from sce_mae_mm.apis import init_matcher, match_points
from sce_mae_mm.visualization.canvas import new_figure, save_png


def parse_point(text: str) -> list:
    try:
        x, y = (float(v) for v in text.split(','))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'point {text!r}: expected "x,y" pixels')
    return [x, y]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('src')
    p.add_argument('tgt')
    p.add_argument('--points', nargs='+', type=parse_point, required=True)
    p.add_argument('--out-dir', required=True)
    p.add_argument('--stride', type=int, default=None)
    p.add_argument('--device', default='cpu')
    args = p.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    model = init_matcher(args.config, args.checkpoint, args.device,
                         stride=args.stride)
    src_pts = np.asarray(args.points, np.float32)
    tgt_pts = match_points(model, args.src, args.tgt, src_pts)
    fig = new_figure((6, 3.2))
    axes = fig.subplots(1, 2)
    colours = matplotlib.colormaps['tab10'](np.arange(len(src_pts)) % 10)
    for ax, path, pts in ((axes[0], args.src, src_pts),
                          (axes[1], args.tgt, tgt_pts)):
        ax.imshow(mmcv.imread(path, 'color')[..., ::-1])
        ax.scatter(pts[:, 0], pts[:, 1], c=colours, s=30, marker='x')
        ax.set_title(osp.basename(path), fontsize=8)
        ax.axis('off')
    fig.tight_layout()
    png = osp.join(args.out_dir, 'match.png')
    save_png(fig, png, dpi=120)
    with open(osp.join(args.out_dir, 'match.json'), 'w') as f:
        json.dump(dict(src=args.src, tgt=args.tgt,
                       src_points=src_pts.tolist(),
                       tgt_points=tgt_pts.tolist()), f, indent=2)
    print(f'wrote {png}')
    for s, t in zip(src_pts, tgt_pts):
        print(f'({s[0]:.1f}, {s[1]:.1f}) -> ({t[0]:.1f}, {t[1]:.1f})')


if __name__ == '__main__':
    main()
