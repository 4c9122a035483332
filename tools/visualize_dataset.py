"""Contact sheets of the synthetic (or real) face sets with their landmarks.

Usage::

    python tools/visualize_dataset.py --root data/synthetic --out vis

writes

- ``OUT/faces_5pt.png``: generated images (all four datasets) with the 5
  landmarks of the generator's manifest (eyes red / green, nose blue, mouth
  corners yellow / magenta),
- ``OUT/faces_68pt.png``: the same images with their 68 landmarks (jaw,
  brows, nose, eyes, mouth in different colours),
- ``OUT/crops_pipeline.png``: samples of each reader after ``LoadImage``,
  ``DVEFaceCrop`` and ``RandomTPSWarp``, with the transformed landmarks,
- ``OUT/matching_pairs.png``: MAFL matching pairs (source, same, diff).

The first two need ``ROOT/synthetic_manifest.json`` (synthetic data only);
the last two read the data through the dataset classes, so they also work
on the real datasets laid out under ``ROOT``.
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Sequence

import cv2
import numpy as np

_COL5 = [(0, 0, 255), (0, 255, 0), (255, 0, 0), (0, 255, 255),
         (255, 0, 255)]  # BGR
_GROUPS68 = [(range(0, 17), (255, 255, 0)), (range(17, 27), (0, 165, 255)),
             (range(27, 36), (255, 0, 0)), (range(36, 48), (0, 255, 0)),
             (range(48, 68), (0, 0, 255))]
_ROOTS = dict(celeba='celeba', aflw_m='aflw-mtfl',
              aflw_r=osp.join('aflw', 'aflw_release-2'),
              face300w=osp.join('300w', '300w'))


def draw_points(img: np.ndarray, pts: np.ndarray, colours: Sequence,
                radius: float = 2.) -> np.ndarray:
    """Draw sub-pixel points (x, y) with a dark outline, in place."""
    for (x, y), c in zip(np.asarray(pts, float), colours):
        centre = (int(round(x * 16)), int(round(y * 16)))
        r = max(1, int(round(radius * 16)))
        cv2.circle(img, centre, r + 16, (0, 0, 0), -1, cv2.LINE_AA, 4)
        cv2.circle(img, centre, r, tuple(int(v) for v in c), -1,
                   cv2.LINE_AA, 4)
    return img


def tile(img: np.ndarray, pts: np.ndarray, colours: Sequence, size: int,
         label: str = '') -> np.ndarray:
    """Resize an image to fit a ``size`` square and draw points on it."""
    h, w = img.shape[:2]
    s = size / max(h, w)
    out = np.full((size, size, 3), 40, np.uint8)
    nh, nw = max(1, int(round(h * s))), max(1, int(round(w * s)))
    out[:nh, :nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA
                               if s < 1 else cv2.INTER_LINEAR)
    # the resize maps pixel centres: x' = (x + 0.5) * s' - 0.5
    sx, sy = nw / w, nh / h
    p = (np.asarray(pts, float) + 0.5) * (sx, sy) - 0.5
    draw_points(out, p, colours, radius=max(1.2, size / 110))
    if label:
        cv2.putText(out, label, (3, size - 5), cv2.FONT_HERSHEY_SIMPLEX,
                    0.35, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def sheet(tiles: List[np.ndarray], cols: int) -> np.ndarray:
    """Arrange equally sized tiles in a grid."""
    size = tiles[0].shape[0]
    rows = (len(tiles) + cols - 1) // cols
    out = np.full((rows * (size + 2), cols * (size + 2), 3), 255, np.uint8)
    for k, t in enumerate(tiles):
        r, c = divmod(k, cols)
        out[r * (size + 2):r * (size + 2) + size,
            c * (size + 2):c * (size + 2) + size] = t
    return out


def manifest_sheets(root: str, out: str, num: int, size: int) -> None:
    """faces_5pt.png and faces_68pt.png from the generator's manifest."""
    with open(osp.join(root, 'synthetic_manifest.json')) as f:
        faces = json.load(f)['faces']
    by_set = {}
    for face in faces:
        by_set.setdefault(face['dataset'], []).append(face)
    picked = []
    per = max(1, num // len(by_set))
    for items in by_set.values():
        picked += items[:per]
    from sce_mae_mm.datasets.transforms.load_image import (describe_source,
                                                           read_image_bgr)
    manifest = osp.join(root, 'synthetic_manifest.json')
    t5, t68 = [], []
    for face in picked:
        img = read_image_bgr(
            osp.join(root, face['root'], face['file']),
            describe_source(manifest, f'face {faces.index(face)}'))
        label = f'{face["dataset"]} {face["split"].split("_")[-1]}'
        t5.append(tile(img, face['kpts5'], _COL5, size, label))
        col68 = [c for idx, c in _GROUPS68 for _ in idx]
        t68.append(tile(img, face['kpts68'], col68, size, label))
    cols = min(8, len(t5))
    cv2.imwrite(osp.join(out, 'faces_5pt.png'), sheet(t5, cols))
    cv2.imwrite(osp.join(out, 'faces_68pt.png'), sheet(t68, cols))


def pipeline_sheet(root: str, out: str, num: int, size: int,
                   check_size: bool, seed: int) -> None:
    """crops_pipeline.png: readers -> LoadImage -> DVEFaceCrop -> TPS."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS

    import sce_mae_mm  # noqa: F401  (registers everything)
    init_default_scope('mmpose')
    sets = [('MAFLDataset', _ROOTS['celeba'], dict(split='train')),
            ('AFLWMDataset', _ROOTS['aflw_m'], dict(split='train')),
            ('AFLWRDataset', _ROOTS['aflw_r'], dict(split='train')),
            ('Face300WDVEDataset', _ROOTS['face300w'], dict(split='test'))]
    pipeline = [dict(type='LoadImage'),
                dict(type='DVEFaceCrop', resize=136, crop=96, context=0),
                dict(type='RandomTPSWarp', seed=seed)]
    tiles = []
    per = max(1, num // len(sets))
    for name, sub, kw in sets:
        ds = DATASETS.build(dict(type=name, data_root=osp.join(root, sub),
                                 check_size=check_size, pipeline=pipeline,
                                 **kw))
        k = ds[0]['transformed_keypoints'].shape[1]
        cols = (_COL5 if k == 5 else
                [c for idx, c in _GROUPS68 for _ in idx])
        for i in range(min(per, len(ds))):
            r = ds[i]
            tiles.append(tile(r['img'], r['transformed_keypoints'][0], cols,
                              size, name.replace('Dataset', '')))
    cv2.imwrite(osp.join(out, 'crops_pipeline.png'),
                sheet(tiles, min(8, len(tiles))))
    # matching pairs
    mds = DATASETS.build(dict(
        type='MAFLMatchingDataset', data_root=osp.join(root,
                                                       _ROOTS['celeba']),
        check_size=check_size,
        pipeline=[dict(type='MatchingPairWarp', seed=seed)]))
    tiles = []
    for i in range(min(4, len(mds))):
        r = mds[i]
        for img, key in zip(r['imgs'], ('src', 'same', 'diff')):
            tiles.append(tile(img, r[f'{key}_keypoints'], _COL5, size,
                              f'pair {i} {key}'))
    cv2.imwrite(osp.join(out, 'matching_pairs.png'), sheet(tiles, 6))


def main() -> None:
    parser = argparse.ArgumentParser(description='face set contact sheets')
    parser.add_argument('--root', default='data/synthetic',
                        help='folder holding celeba/, aflw-mtfl/, aflw/, '
                        '300w/ (and synthetic_manifest.json)')
    parser.add_argument('--out', default='work_dirs/vis_dataset')
    parser.add_argument('--num', type=int, default=32, help='tiles a sheet')
    parser.add_argument('--size', type=int, default=192, help='tile side')
    parser.add_argument('--seed', type=int, default=0, help='warp seed')
    parser.add_argument('--check-size', action='store_true',
                        help='check full-dataset sizes (real data)')
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if osp.isfile(osp.join(args.root, 'synthetic_manifest.json')):
        manifest_sheets(args.root, args.out, args.num, args.size)
    pipeline_sheet(args.root, args.out, args.num, args.size,
                   args.check_size, args.seed)
    print(f'contact sheets written to {args.out}')


if __name__ == '__main__':
    main()
