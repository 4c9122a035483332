"""More AFLW_M, AFLW_R and 300W test faces, every other split left as it is.

The 95 % interval of a detection head's NME narrows as one over the square
root of its test faces; growing ``num`` grows every split, training
included. These functions instead append test faces to a written set, in
the dataset's own layout (new images, rows appended to the list files, the
``.mat`` files rewritten with the old entries first, unchanged), drawn like
the split's other test faces (:mod:`.detection_faces`) at face indices far
above those of any set, one range per dataset (``*_TEST_FIRST_INDEX``), so
they are the same faces whatever the set's size and never the training
faces of a larger set of the same seed. Every other file is unchanged.
"""
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
import scipy.io

from .detection_faces import (FACE300W_SUBSETS, aflw_m_face, aflw_r_face,
                              box_struct, face300w_face, write_box_file)
from .files import (ROOTS, largest_remainder, render_many,
                    savemat_deterministic, write_text)

#: face index of the first extra AFLW_M / AFLW_R test face
AFLW_M_TEST_FIRST_INDEX = 2 * 10 ** 8
AFLW_R_TEST_FIRST_INDEX = 3 * 10 ** 8
#: ... and of the first extra face of each 300W test subset (helen_testset,
#: lfpw_testset, ibug: this plus 0, 1, 2 times ``FACE300W_SUBSET_STRIDE``)
FACE300W_TEST_FIRST_INDEX = 4 * 10 ** 8
FACE300W_SUBSET_STRIDE = 10 ** 7
#: the 300W test subsets, common (helen, lfpw) then challenging (ibug)
FACE300W_TEST_SPLITS = ('300w_helen_testset', '300w_lfpw_testset',
                        '300w_ibug')


def _read_lines(path: str) -> List[str]:
    with open(path) as f:
        return f.read().splitlines()


def append_aflw_m_test(out: str, seed: int, extra: int, faces: List[Dict],
                       workers: Optional[int] = None) -> None:
    """Append ``extra`` AFLW_M test faces to ``out/aflw-mtfl``: images
    ``MTFL/AFLW/<k>-image<index>.jpg`` after the existing ones, their rows
    at the end of ``MTFL/testing.txt`` and (set 2, as every test image) of
    ``aflw_cropped/facedata_cropped.csv``.

    Args:
        out: the synthetic set's folder (its layouts already written).
        seed: the set's seed.
        extra: number of test faces to append (>= 0).
        faces: the manifest's face list, extended in place.
        workers: processes rendering the faces (see
            :func:`.files.render_many`).
    """
    root = osp.join(out, ROOTS['aflw_m'])
    test_path = osp.join(root, 'MTFL', 'testing.txt')
    csv_path = osp.join(root, 'aflw_cropped', 'facedata_cropped.csv')
    test_rows, csv_rows = _read_lines(test_path), _read_lines(csv_path)
    start = len(test_rows)
    jobs = [(root, seed, AFLW_M_TEST_FIRST_INDEX + j, start + j,
             'aflw_m_test') for j in range(extra)]
    for csv_row, test_row, face in render_many(aflw_m_face, jobs, workers):
        csv_rows.append(csv_row)
        test_rows.append(test_row)
        faces.append(face)
    write_text(csv_path, csv_rows)
    write_text(test_path, test_rows)


def append_aflw_r_test(out: str, seed: int, extra: int, faces: List[Dict],
                       workers: Optional[int] = None) -> None:
    """Append ``extra`` AFLW_R test faces to ``out/aflw/aflw_release-2``:
    images under ``output/``, names at the end of ``aflw_test_images.txt``,
    rows at the end of ``gt`` and ``hw`` in ``aflw_test_keypoints.mat``.

    Args:
        out, seed, extra, faces, workers: see :func:`append_aflw_m_test`.
    """
    root = osp.join(out, ROOTS['aflw_r'])
    list_path = osp.join(root, 'aflw_test_images.txt')
    mat_path = osp.join(root, 'aflw_test_keypoints.mat')
    names = _read_lines(list_path)
    mat = scipy.io.loadmat(mat_path)
    gts = list(np.asarray(mat['gt'], np.float64).reshape(-1, 5, 2))
    hws = list(np.asarray(mat['hw'], np.float64).reshape(-1, 2))
    jobs = [(root, seed, AFLW_R_TEST_FIRST_INDEX + j, 'aflw_r_test')
            for j in range(extra)]
    for name, gt, hw, face in render_many(aflw_r_face, jobs, workers):
        names.append(name)
        gts.append(gt)
        hws.append(hw)
        faces.append(face)
    write_text(list_path, names)
    savemat_deterministic(
        mat_path, dict(gt=np.asarray(gts, np.float64).reshape(-1, 5, 2),
                       hw=np.asarray(hws, np.float64).reshape(-1, 2)))


def read_box_structs(path: str) -> List[Dict]:
    """The entries of a ``bounding_boxes_<subset>.mat`` written by
    :func:`.detection_faces.write_box_file`, as :func:`box_struct` dicts."""
    cell = scipy.io.loadmat(path)['bounding_boxes'].reshape(-1)
    out = []
    for entry in cell:
        s = entry.reshape(-1)[0]
        out.append(box_struct(str(s['imgName'].reshape(-1)[0]),
                              np.asarray(s['bb_ground_truth'], np.float64),
                              np.asarray(s['bb_detector'], np.float64)))
    return out


def split_300w_extra(extra: int, have: Dict[str, int]) -> Dict[str, int]:
    """Share ``extra`` 300W test faces among ``FACE300W_TEST_SPLITS``:
    common (helen + lfpw) against challenging (ibug), then helen against
    lfpw, each in the proportion of the faces ``have`` (largest
    remainder)."""
    helen, lfpw, ibug = (have[s] for s in FACE300W_TEST_SPLITS)
    common, hard = largest_remainder(extra, [helen + lfpw, ibug])
    e_helen, e_lfpw = largest_remainder(common, [helen, lfpw])
    return dict(zip(FACE300W_TEST_SPLITS, (e_helen, e_lfpw, hard)))


def append_300w_test(out: str, seed: int, extra: int, faces: List[Dict],
                     workers: Optional[int] = None) -> Dict[str, int]:
    """Append ``extra`` 300W test faces to ``out/300w/300w``, shared among
    helen_testset, lfpw_testset and ibug by :func:`split_300w_extra`:
    images and ``.pts`` files beside the existing ones, entries at the end
    of ``Bounding Boxes/bounding_boxes_<subset>.mat`` (for ibug after the
    box file's unreleased ``mirror_*`` names, which the reader skips).

    Args:
        out, seed, extra, faces, workers: see :func:`append_aflw_m_test`.

    Returns:
        the faces appended to each split of ``FACE300W_TEST_SPLITS``.
    """
    root = osp.join(out, ROOTS['face300w'])
    paths, boxes, have = {}, {}, {}
    for split in FACE300W_TEST_SPLITS:
        mat_name = FACE300W_SUBSETS[split][1]
        paths[split] = osp.join(root, 'Bounding Boxes',
                                f'bounding_boxes_{mat_name}.mat')
        boxes[split] = read_box_structs(paths[split])
        # the reader skips ibug's names that do not start with "image"
        have[split] = sum(split != '300w_ibug'
                          or b['imgName'].startswith('image')
                          for b in boxes[split])
    shares = split_300w_extra(extra, have)
    jobs = [(root, seed, FACE300W_TEST_FIRST_INDEX
             + FACE300W_SUBSET_STRIDE * s + j, have[split] + j, split)
            for s, split in enumerate(FACE300W_TEST_SPLITS)
            for j in range(shares[split])]
    drawn = iter(render_many(face300w_face, jobs, workers))
    for split in FACE300W_TEST_SPLITS:
        for _ in range(shares[split]):
            box, face = next(drawn)
            boxes[split].append(box)
            faces.append(face)
        if shares[split]:
            write_box_file(paths[split], boxes[split])
    return shares
