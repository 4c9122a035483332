"""Landmarks from a trained detection head.

    python tools/demo_landmarks.py DET_CFG DET_CKPT img1.jpg [...]
        --out-dir DIR [--window x1 y1 x2 y2] [--device cpu]
        [--cfg-options k=v ...]

Writes ``<image>_landmarks.png`` and ``landmarks.json``. ``--window`` is the
DVE pre-crop window (default: the whole image).
"""
import argparse
import json
import os
import os.path as osp

import cv2
import mmcv
from mmengine.config import DictAction

from sce_mae_mm.apis import init_detector, predict_landmarks


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('images', nargs='+')
    p.add_argument('--out-dir', required=True)
    p.add_argument('--window', nargs=4, type=float, default=None)
    p.add_argument('--device', default='cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    model = init_detector(args.config, args.checkpoint, args.device,
                          args.cfg_options)
    out = []
    for path in args.images:
        windows = None if args.window is None else [args.window]
        kpts = predict_landmarks(model, path, windows)
        img = mmcv.imread(path, 'color')
        radius = max(1, round(max(img.shape[:2]) / 100))
        for x, y in kpts.reshape(-1, 2):
            cv2.circle(img, (int(round(x)), int(round(y))), radius,
                       (0, 0, 255), -1)
        stem = osp.splitext(osp.basename(path))[0]
        png = osp.join(args.out_dir, f'{stem}_landmarks.png')
        mmcv.imwrite(img, png)
        out.append(dict(image=path, keypoints=kpts.tolist(), png=png))
        print(f'wrote {png}')
    with open(osp.join(args.out_dir, 'landmarks.json'), 'w') as f:
        json.dump(out, f, indent=2)


if __name__ == '__main__':
    main()
