"""What the synthetic writers share: roots, poses, seeded faces, file writers.

Used by :mod:`.writer` (the four layouts), :mod:`.detection_faces` (one
face of each detection layout), :mod:`.extra_celeba` (more CelebA training
or MAFL test faces) and :mod:`.extra_tests` (more detection test faces);
none imports another's private names.
"""
import io
import os
import os.path as osp
from multiprocessing import get_context
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import scipy.io

from .face import render_face_image

#: Directory names of the dataset roots below ``out``.
ROOTS = dict(celeba='celeba', aflw_m='aflw-mtfl',
             aflw_r=osp.join('aflw', 'aflw_release-2'),
             face300w=osp.join('300w', '300w'))

#: Pose jitter of the aligned (CelebA, 300W non-iBUG), in-the-wild (AFLW)
#: and hard (iBUG) faces.
POSE_MILD = dict(shift=3., scale=0.07, roll=6., yaw=12., pitch=6.)
POSE_WILD = dict(shift=5., scale=0.1, roll=11., yaw=20., pitch=8.)
POSE_HARD = dict(shift=5., scale=0.1, roll=18., yaw=30., pitch=12.)

#: CelebA's aligned 178 x 218 image: (height, width), face centre, eye distance
CELEBA_SIZE = (218, 178)
CELEBA_CENTRE = (89., 111.)
CELEBA_IOD = 39.

_MAT_HEADER = b'MATLAB 5.0 MAT-file, written by sce_mae_mm synthetic faces'


def render_indexed(seed: int, index: int, size: Tuple[int, int],
                   centre: Tuple[float, float], iod: float, jitter: Dict,
                   snap: bool = False, occluder_prob: float = 0.12,
                   light: float = 1.):
    """Face ``index`` of the set of ``seed``: it depends on both only.

    Returns:
        ``render_face_image``'s (image (H, W, 3) uint8 BGR, 68 points
        (68, 2), 5 points (5, 2), info dict).
    """
    rng = np.random.default_rng([seed, index])
    return render_face_image(rng, size, centre, iod, jitter,
                             occluder_prob=occluder_prob, light=light,
                             snap=snap)


def render_celeba_face(seed: int, index: int):
    """Face ``index`` of ``seed`` in CelebA's aligned frame (integer
    landmarks, as CelebA's list file stores them)."""
    return render_indexed(seed, index, CELEBA_SIZE, CELEBA_CENTRE,
                          CELEBA_IOD, POSE_MILD, snap=True)


def imwrite(path: str, img: np.ndarray) -> None:
    """Write a JPEG (quality 95) or PNG image, creating its folder."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    params = ([cv2.IMWRITE_JPEG_QUALITY, 95]
              if path.lower().endswith(('.jpg', '.jpeg')) else [])
    if not cv2.imwrite(path, img, params):
        raise OSError(f'could not write image {path}')


def write_text(path: str, lines: List[str]) -> None:
    """Write ``lines`` (one a line, final newline), creating the folder."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def savemat_deterministic(path: str, data: Dict) -> None:
    """``scipy.io.savemat`` with a fixed header (no creation date).

    Args:
        path: output ``.mat`` path.
        data: variables (see ``scipy.io.savemat``).
    """
    buf = io.BytesIO()
    scipy.io.savemat(buf, data, format='5', do_compression=False,
                     oned_as='row')
    raw = bytearray(buf.getvalue())
    raw[:116] = _MAT_HEADER.ljust(116, b' ')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(bytes(raw))


def largest_remainder(total: int, weights: Sequence[float]) -> List[int]:
    """``total`` shared in proportion to ``weights`` (largest remainder;
    ties to the earlier weight)."""
    w = np.asarray(weights, np.float64)
    share = w / w.sum() * total
    counts = np.floor(share).astype(int)
    order = np.argsort(-(share - np.floor(share)), kind='stable')
    counts[order[:total - counts.sum()]] += 1
    return [int(c) for c in counts]


def render_many(fn: Callable, jobs: Sequence[tuple],
                workers: Optional[int] = None) -> List:
    """``[fn(*job) for job in jobs]``, in forked processes where it pays.

    Args:
        fn: a module-level function (a face renderer: its result depends on
            its arguments only, so any number of workers gives the same
            files).
        jobs: the argument tuples.
        workers: processes (default: the CPU count, at most 4); one below
            64 jobs or where ``os.fork`` is missing.

    Returns:
        the results, in the order of ``jobs``.
    """
    workers = workers or min(4, os.cpu_count() or 1)
    if workers > 1 and len(jobs) >= 64 and hasattr(os, 'fork'):
        # fork: the workers inherit the imported modules (no re-import of
        # the caller's main module, which spawn would need guarded)
        with get_context('fork').Pool(workers) as pool:
            return pool.starmap(fn, jobs, chunksize=64)
    return [fn(*job) for job in jobs]
