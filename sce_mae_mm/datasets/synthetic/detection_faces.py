"""One face of each landmark-detection layout (AFLW_M, AFLW_R, 300W).

Each function renders face ``index`` of ``seed``, writes its image (and for
300W its ``.pts`` file) under the dataset's ``root`` and returns the rows
its list files need and its manifest entry. :mod:`.writer` writes the sets
with them, :mod:`.extra_tests` appends more test faces with them, so the
appended faces are drawn exactly like the split's other faces. They depend
on their arguments only (a worker process of
:func:`.files.render_many` may run them).
"""
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np

from .files import (POSE_HARD, POSE_MILD, POSE_WILD, ROOTS, imwrite,
                    render_indexed, savemat_deterministic, write_text)

#: 300W split -> (folder, box-file subset name, image suffix, kind)
FACE300W_SUBSETS: Dict[str, Tuple[str, str, str, str]] = {
    '300w_afw': ('afw', 'afw', '.jpg', 'train'),
    '300w_helen_trainset': ('helen/trainset', 'helen_trainset', '.jpg',
                            'train'),
    '300w_lfpw_trainset': ('lfpw/trainset', 'lfpw_trainset', '.png',
                           'train'),
    '300w_helen_testset': ('helen/testset', 'helen_testset', '.jpg',
                           'common'),
    '300w_lfpw_testset': ('lfpw/testset', 'lfpw_testset', '.png', 'common'),
    '300w_ibug': ('ibug', 'ibug', '.jpg', 'challenging'),
}


def fmt(v: float) -> str:
    """A coordinate as the text files store it (3 decimals)."""
    return f'{v:.3f}'


def stored(v: np.ndarray) -> np.ndarray:
    """Round like the 3-decimal text files (so the manifest is exact)."""
    return np.round(np.asarray(v, np.float64), 3)


def aflw_m_face(root: str, seed: int, index: int, k: int, split: str
                ) -> Tuple[str, Optional[str], Dict]:
    """AFLW_M face ``index``, the ``k``-th (0-based) face of ``split``.

    Args:
        root: the ``aflw-mtfl`` root.
        seed, index: the face.
        k: its position in ``MTFL/testing.txt`` (test faces only).
        split: ``'aflw_m_train'`` (a crop under ``aflw_cropped/cropped``)
            or ``'aflw_m_test'`` (an image under ``MTFL/AFLW``).

    Returns:
        its ``facedata_cropped.csv`` row (set 1 = train, 2 = test), its
        ``MTFL/testing.txt`` row (None for train) and its manifest entry.
    """
    img, k68, k5, info = render_indexed(
        seed, index, (150, 150), (75., 66.), 36., POSE_WILD)
    image_file = f'image{index:05d}.jpg'
    crop = osp.join('cropped', f'{index:05d}_{image_file}')
    k5 = stored(k5 + 1.)  # 1-based in the files
    train = split == 'aflw_m_train'
    csv_row = ','.join([image_file, crop, '1' if train else '2', str(index)]
                       + [fmt(v) for v in k5.reshape(-1)])
    test_row = None
    if train:
        file = osp.join('aflw_cropped', crop)
    else:
        rel = f'AFLW/{k + 1:04d}-{image_file}'
        file = osp.join('MTFL', rel)
        attrs = np.random.default_rng([seed, index, 1]).integers(
            1, [3, 3, 3, 6])
        test_row = ' '.join([rel] + [fmt(v) for v in k5[:, 0]]
                            + [fmt(v) for v in k5[:, 1]]
                            + [str(a) for a in attrs])
    imwrite(osp.join(root, file), img)
    face = dict(dataset='aflw_m', split=split, root=ROOTS['aflw_m'],
                file=file, size=[150, 150], kpts5=(k5 - 1).tolist(),
                kpts68=k68.tolist(), info=info)
    return csv_row, test_row, face


def aflw_r_face(root: str, seed: int, index: int, split: str
                ) -> Tuple[str, np.ndarray, List[int], Dict]:
    """AFLW_R face ``index`` of ``split`` (``aflw_r_train`` / ``_test``).

    Returns:
        its image name (under ``output/``), its ``gt`` row (5, 2) stored
        (y, x), its ``hw`` row (height, width) and its manifest entry.
    """
    srng = np.random.default_rng([seed, index, 2])
    w = int(srng.integers(110, 231))
    h = int(np.clip(round(w * srng.uniform(0.85, 1.2)), 100, 260))
    img, k68, k5, info = render_indexed(
        seed, index, (h, w), (0.5 * w, 0.42 * h), 0.25 * w,
        dict(POSE_WILD, shift=0.03 * w))
    name = f'image{index:05d}_{1 + index % 3}.jpg'
    imwrite(osp.join(root, 'output', name), img)
    face = dict(dataset='aflw_r', split=split, root=ROOTS['aflw_r'],
                file=osp.join('output', name), size=[h, w],
                kpts5=k5.tolist(), kpts68=k68.tolist(), info=info)
    return name, k5[:, ::-1], [h, w], face


def pts_lines(kpts68_1based: np.ndarray) -> List[str]:
    """The lines of an iBUG ``.pts`` file."""
    return (['version: 1', 'n_points:  68', '{']
            + [f'{fmt(x)} {fmt(y)}' for x, y in kpts68_1based] + ['}'])


def box_struct(name: str, gt: np.ndarray, det: np.ndarray) -> Dict:
    """One entry of a 300W ``bounding_boxes`` cell."""
    return dict(imgName=name, bb_detector=np.reshape(det, (1, 4)),
                bb_ground_truth=np.reshape(gt, (1, 4)))


def write_box_file(path: str, boxes: List[Dict]) -> None:
    """Write ``bounding_boxes`` (1xN cell of :func:`box_struct` entries)."""
    cell = np.empty((1, len(boxes)), dtype=object)
    for k, b in enumerate(boxes):
        cell[0, k] = b
    savemat_deterministic(path, dict(bounding_boxes=cell))


def face300w_name(split: str, index: int, k: int) -> str:
    """The image name of 300W face ``index``, the ``k``-th of ``split``."""
    folder, _, ext, _ = FACE300W_SUBSETS[split]
    if folder in ('lfpw/trainset', 'lfpw/testset'):
        return f'image_{k + 1:04d}{ext}'
    if folder == 'ibug':
        return f'image_{k + 1:03d}_1{ext}'
    return f'{1000000 + index * 37:d}_1{ext}'


def face300w_face(root: str, seed: int, index: int, k: int, split: str
                  ) -> Tuple[Dict, Dict]:
    """300W face ``index``, the ``k``-th (0-based) face of ``split`` (a key
    of :data:`FACE300W_SUBSETS`): writes the image and its ``.pts`` file.

    Returns:
        its box-file entry (:func:`box_struct`) and its manifest entry.
    """
    folder, _, _, kind = FACE300W_SUBSETS[split]
    srng = np.random.default_rng([seed, index, 3])
    w, h = (int(v) for v in srng.integers(240, 481, 2))
    iod = srng.uniform(38., 80.)
    centre = (srng.uniform(0.38, 0.62) * w, srng.uniform(0.34, 0.5) * h)
    hard = kind == 'challenging'
    img, k68, k5, info = render_indexed(
        seed, index, (h, w), centre, iod, POSE_HARD if hard else POSE_MILD,
        occluder_prob=0.35 if hard else 0.12, light=1.6 if hard else 1.)
    name = face300w_name(split, index, k)
    imwrite(osp.join(root, folder, name), img)
    pts1 = stored(k68 + 1.)  # 1-based in the .pts files
    write_text(osp.join(root, folder, name[:-4] + '.pts'), pts_lines(pts1))
    gt = np.concatenate([pts1.min(0), pts1.max(0)])
    size = gt[2:] - gt[:2]
    det = gt + srng.normal(0., 0.04, 4) * np.tile(size, 2)
    face = dict(dataset='300w', split=split, root=ROOTS['face300w'],
                file=osp.join(folder, name), size=[h, w],
                kpts5=k5.tolist(), kpts68=(pts1 - 1).tolist(),
                box=gt.tolist(), info=info)
    return box_struct(name, gt, det), face
