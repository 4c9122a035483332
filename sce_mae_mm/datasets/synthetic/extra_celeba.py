"""More distinct CelebA training faces, every other split left as it is.

The stage-1 recipe study (``docs/benchmark.md``) found the number of
distinct stage-1 faces the largest lever of different-identity matching at
equal CPU time. Growing ``num`` grows every split, evaluation included;
:func:`append_celeba_train` instead appends ``extra`` faces to the CelebA
training partition (partition 0, not in MAFL), drawn at face indices after
all ``num`` faces of the set, so every file of the set without them stays
byte for byte what it was, and the list files only gain rows.
"""
import os.path as osp
from typing import Dict, List

import numpy as np


def append_celeba_train(out: str, seed: int, first: int, extra: int,
                        faces: List[Dict]) -> None:
    """Render ``extra`` faces (indices ``first``, ``first + 1``, ...) into
    ``out/celeba`` as training-partition images after the existing ones.

    Args:
        out: the synthetic set's folder (its ``celeba`` already written).
        seed: the set's seed.
        first: face index of the first extra face (the set's ``num``).
        extra: number of faces to append (>= 0).
        faces: the manifest's face list, extended in place.
    """
    from .writer import _POSE_MILD, ROOTS, _imwrite, _render, _write_text
    root = osp.join(out, ROOTS['celeba'])
    lm_path = osp.join(root, 'Anno', 'list_landmarks_align_celeba.txt')
    part_path = osp.join(root, 'Eval', 'list_eval_partition.txt')
    with open(lm_path) as f:
        lm = f.read().splitlines()
    with open(part_path) as f:
        parts = f.read().splitlines()
    start = int(lm[0])
    for j in range(extra):
        name = f'{start + j + 1:06d}.jpg'
        img, k68, k5, info = _render(seed, first + j, (218, 178),
                                     (89., 111.), 39., _POSE_MILD, snap=True)
        k5 = np.round(k5).astype(int)
        _imwrite(osp.join(root, 'Img', 'img_align_celeba', name), img)
        lm.append(name + ''.join(f' {v:4d}' for v in k5.reshape(-1)))
        parts.append(f'{name} 0')
        faces.append(dict(
            dataset='celeba', split='celeba_train', root=ROOTS['celeba'],
            file=osp.join('Img', 'img_align_celeba', name), size=[218, 178],
            partition=0, kpts5=k5.astype(float).tolist(),
            kpts68=k68.tolist(), info=info))
    lm[0] = str(start + extra)
    _write_text(lm_path, lm)
    _write_text(part_path, parts)
