"""More distinct CelebA training faces (or MAFL test faces), every other
split left as it is.

The stage-1 recipe study (``docs/benchmark.md``) found the number of
distinct stage-1 faces the largest lever of different-identity matching at
equal CPU time. Growing ``num`` grows every split, evaluation included;
:func:`append_celeba_train` instead appends ``extra`` faces to the CelebA
training partition (partition 0, not in MAFL), drawn at face indices after
all ``num`` faces of the set, so every file of the set without them stays
byte for byte what it was, and the list files only gain rows.
:func:`append_mafl_test` does the same for the MAFL test split, which the
real matching protocol scores on 1,000 faces (500 + 500 pairs).
"""
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np

from .files import ROOTS, imwrite, render_celeba_face, render_many, write_text


def _render_extra(seed: int, index: int, path: str
                  ) -> Tuple[List, List, Dict]:
    """Render face ``index`` of ``seed`` and write it to ``path``; returns
    its 5 integer landmarks, its 68 landmarks and its info (a worker's
    job: the face depends on ``(seed, index)`` only)."""
    img, k68, k5, info = render_celeba_face(seed, index)
    imwrite(path, img)
    return np.round(k5).astype(int).tolist(), k68.tolist(), info


def _append_celeba_rows(out: str, seed: int, indices: List[int],
                        split: str, faces: List[Dict],
                        workers: Optional[int]) -> List[str]:
    """Render the faces ``indices`` of ``seed`` as partition-0 CelebA images
    after the existing ones; the landmark and partition files gain their
    rows, ``faces`` their manifest entries (split ``split``). Returns the
    new image names."""
    root = osp.join(out, ROOTS['celeba'])
    lm_path = osp.join(root, 'Anno', 'list_landmarks_align_celeba.txt')
    part_path = osp.join(root, 'Eval', 'list_eval_partition.txt')
    with open(lm_path) as f:
        lm = f.read().splitlines()
    with open(part_path) as f:
        parts = f.read().splitlines()
    start = int(lm[0])
    names = [f'{start + j + 1:06d}.jpg' for j in range(len(indices))]
    jobs = [(seed, index, osp.join(root, 'Img', 'img_align_celeba', name))
            for index, name in zip(indices, names)]
    drawn = render_many(_render_extra, jobs, workers)
    for name, (k5, k68, info) in zip(names, drawn):
        lm.append(name + ''.join(f' {v:4d}' for v in np.reshape(k5, -1)))
        parts.append(f'{name} 0')
        faces.append(dict(
            dataset='celeba', split=split, root=ROOTS['celeba'],
            file=osp.join('Img', 'img_align_celeba', name), size=[218, 178],
            partition=0, kpts5=np.asarray(k5, float).tolist(), kpts68=k68,
            info=info))
    lm[0] = str(start + len(names))
    write_text(lm_path, lm)
    write_text(part_path, parts)
    return names


def append_celeba_train(out: str, seed: int, first: int, extra: int,
                        faces: List[Dict],
                        workers: Optional[int] = None) -> None:
    """Render ``extra`` faces (indices ``first``, ``first + 1``, ...) into
    ``out/celeba`` as training-partition images after the existing ones.

    Args:
        out: the synthetic set's folder (its ``celeba`` already written).
        seed: the set's seed.
        first: face index of the first extra face (the set's ``num``).
        extra: number of faces to append (>= 0).
        faces: the manifest's face list, extended in place.
        workers: processes rendering the faces (default: the CPU count, at
            most 4; one where ``os.fork`` is missing); every face depends on
            its index only, so the files are the same for any number of
            workers.
    """
    _append_celeba_rows(out, seed, list(range(first, first + extra)),
                        'celeba_train', faces, workers)


#: face index of the first extra MAFL test face: far above the faces of any
#: set (``num`` + extra training faces), so the extra test faces are never
#: the training faces of a larger set of the same seed
MAFL_TEST_FIRST_INDEX = 10 ** 8


def append_mafl_test(out: str, seed: int, extra: int, faces: List[Dict],
                     workers: Optional[int] = None) -> None:
    """Append ``extra`` MAFL test faces to ``out/celeba``: partition-0
    images after the existing ones, listed at the end of
    ``MAFL/testing.txt``; drawn at face indices ``MAFL_TEST_FIRST_INDEX +
    j``, so they are the same faces whatever the set's size.

    The CelebA training split (partition 0 minus MAFL) and every other file
    are unchanged; in the matching protocol's sorted order the new images
    come after the existing test images, so the existing pairs stay pairs.

    Args:
        out, seed, faces, workers: see :func:`append_celeba_train`.
        extra: number of test faces to append (>= 0).
    """
    first = MAFL_TEST_FIRST_INDEX
    names = _append_celeba_rows(out, seed, list(range(first, first + extra)),
                                'mafl_test', faces, workers)
    path = osp.join(out, ROOTS['celeba'], 'MAFL', 'testing.txt')
    with open(path) as f:
        rows = f.read().splitlines()
    write_text(path, rows + names)
