"""Synthetic faces written in the exact on-disk layouts of the DVE release.

``make_synthetic_faces(out, num, seed)`` draws ``num`` procedural faces
(:mod:`.face`) and writes them as

- ``out/celeba``: ``Img/img_align_celeba/<6 digits>.jpg`` (178x218),
  ``Anno/list_landmarks_align_celeba.txt`` (count line, header line, rows of
  integer landmarks), ``Eval/list_eval_partition.txt`` and
  ``MAFL/{training,testing}.txt``;
- ``out/aflw-mtfl``: ``aflw_cropped/facedata_cropped.csv`` (header; columns
  4-13 = x1, y1, ..., x5, y5, 1-based) with the crops in
  ``aflw_cropped/cropped/`` (150x150), and ``MTFL/testing.txt`` (path, x1..x5,
  y1..y5, gender, smile, glasses, pose; 1-based) with images in
  ``MTFL/AFLW/``;
- ``out/aflw/aflw_release-2``: ``aflw_{train,test}_images.txt`` (paths under
  ``output/``), ``aflw_{train,test}_keypoints.mat`` with ``gt`` (N, 5, 2)
  stored (y, x) and ``hw`` (N, 2) = (height, width);
- ``out/300w/300w``: ``afw/``, ``helen/{trainset,testset}/``,
  ``lfpw/{trainset,testset}/``, ``ibug/`` with iBUG ``.pts`` files (1-based)
  beside each image, and ``Bounding Boxes/bounding_boxes_<subset>.mat``
  (``bounding_boxes``: 1xN cell of structs ``imgName``, ``bb_detector``,
  ``bb_ground_truth``). As in the real release, the ibug box file also names
  a few images that do not exist and do not start with ``image``.

It also writes ``out/synthetic_manifest.json``: every face with its dataset,
split, file, image size and its 5 / 68 landmarks (0-based, as stored in the
files), used by the tests and by ``tools/visualize_dataset.py``.

Distribution of the ``num`` faces (:func:`split_counts`): every split first
gets its minimum (1 face, the MAFL test split 2), the rest is shared by the
fractions of ``SPLIT_FRACTIONS`` (largest remainder), and the MAFL test count
is made even (one face moves to the CelebA train partition). With
``num >= 16`` every split is non-empty. Face ``i`` (in the order of
``SPLIT_FRACTIONS``) is drawn from ``np.random.default_rng([seed, i])``; the
same seed gives identical files (the ``.mat`` header carries no date).
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np

from .detection_faces import (FACE300W_SUBSETS, aflw_m_face, aflw_r_face,
                              box_struct, face300w_face, write_box_file)
from .extra_celeba import append_celeba_train, append_mafl_test
from .extra_tests import (FACE300W_TEST_SPLITS, append_300w_test,
                          append_aflw_m_test, append_aflw_r_test)
from .files import (ROOTS, imwrite, largest_remainder, render_celeba_face,
                    savemat_deterministic, write_text)

#: (split, fraction of the faces, minimum count)
SPLIT_FRACTIONS: Tuple[Tuple[str, float, int], ...] = (
    ('celeba_train', 0.40, 1),
    ('celeba_val', 0.02, 1),
    ('celeba_test', 0.02, 1),
    ('mafl_train', 0.08, 1),
    ('mafl_test', 0.04, 2),
    ('aflw_m_train', 0.11, 1),
    ('aflw_m_test', 0.04, 1),
    ('aflw_r_train', 0.11, 1),
    ('aflw_r_test', 0.04, 1),
    ('300w_afw', 0.02, 1),
    ('300w_helen_trainset', 0.04, 1),
    ('300w_lfpw_trainset', 0.03, 1),
    ('300w_helen_testset', 0.02, 1),
    ('300w_lfpw_testset', 0.015, 1),
    ('300w_ibug', 0.015, 1),
)


_CELEBA_HEADER = ('lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y '
                  'leftmouth_x leftmouth_y rightmouth_x rightmouth_y')


def split_counts(num: int) -> Dict[str, int]:
    """How many faces go to each split (see the module docstring).

    Args:
        num: total number of faces (>= 16).

    Returns:
        ordered dict split name -> count; the counts sum to ``num``.
    """
    names = [s[0] for s in SPLIT_FRACTIONS]
    frac = np.array([s[1] for s in SPLIT_FRACTIONS])
    mins = np.array([s[2] for s in SPLIT_FRACTIONS])
    if num < mins.sum():
        raise ValueError(f'num must be >= {mins.sum()} (one face per split, '
                         f'two for the MAFL test pairs), got {num}')
    counts = mins + np.array(largest_remainder(num - mins.sum(), frac))
    i_test, i_train = names.index('mafl_test'), names.index('celeba_train')
    if counts[i_test] % 2:
        counts[i_test] -= 1
        counts[i_train] += 1
    return dict(zip(names, (int(c) for c in counts)))


# ----------------------------------------------------------------------------
# datasets


def _celeba(out: str, seed: int, first: int, counts: Dict[str, int],
            faces: List[Dict]) -> int:
    """Write CelebA + MAFL; returns the next face index."""
    root = osp.join(out, ROOTS['celeba'])
    order = ['celeba_train', 'mafl_train', 'mafl_test', 'celeba_val',
             'celeba_test']
    splits = [s for s in order for _ in range(counts[s])]
    # partition 0 holds the CelebA train faces and all MAFL faces, mixed
    n0 = counts['celeba_train'] + counts['mafl_train'] + counts['mafl_test']
    lrng = np.random.default_rng([seed, 10 ** 6])
    splits[:n0] = [splits[k] for k in lrng.permutation(n0)]
    part = {'celeba_train': 0, 'mafl_train': 0, 'mafl_test': 0,
            'celeba_val': 1, 'celeba_test': 2}
    rows, parts = [], []
    mafl = dict(mafl_train=[], mafl_test=[])
    index = first
    for k, split in enumerate(splits):
        name = f'{k + 1:06d}.jpg'
        img, k68, k5, info = render_celeba_face(seed, index)
        index += 1
        k5 = np.round(k5).astype(int)
        imwrite(osp.join(root, 'Img', 'img_align_celeba', name), img)
        rows.append(name + ''.join(f' {v:4d}' for v in k5.reshape(-1)))
        parts.append(f'{name} {part[split]}')
        if split in mafl:
            mafl[split].append(name)
        faces.append(dict(
            dataset='celeba', split=split, root=ROOTS['celeba'],
            file=osp.join('Img', 'img_align_celeba', name),
            size=[218, 178], partition=part[split],
            kpts5=k5.astype(float).tolist(), kpts68=k68.tolist(),
            info=info))
    write_text(osp.join(root, 'Anno', 'list_landmarks_align_celeba.txt'),
               [str(len(rows)), _CELEBA_HEADER] + rows)
    write_text(osp.join(root, 'Eval', 'list_eval_partition.txt'), parts)
    for split, fname in (('mafl_train', 'training.txt'),
                         ('mafl_test', 'testing.txt')):
        names = mafl[split]
        names = [names[k] for k in lrng.permutation(len(names))]
        write_text(osp.join(root, 'MAFL', fname), names)
    return index


def _aflw_m(out: str, seed: int, first: int, counts: Dict[str, int],
            faces: List[Dict]) -> int:
    """Write the MTFL layout (AFLW_M); returns the next face index."""
    root = osp.join(out, ROOTS['aflw_m'])
    header = ('image_file,crop_file,set,face_id,'
              + ','.join(f'x{k},y{k}' for k in range(1, 6)))
    csv_rows, test_rows = [header], []
    index = first
    for split in ('aflw_m_train', 'aflw_m_test'):
        for k in range(counts[split]):
            # a test image is listed in the csv too (set 2)
            csv_row, test_row, face = aflw_m_face(root, seed, index, k,
                                                  split)
            csv_rows.append(csv_row)
            if test_row is not None:
                test_rows.append(test_row)
            faces.append(face)
            index += 1
    write_text(osp.join(root, 'aflw_cropped', 'facedata_cropped.csv'),
               csv_rows)
    write_text(osp.join(root, 'MTFL', 'testing.txt'), test_rows)
    return index


def _aflw_r(out: str, seed: int, first: int, counts: Dict[str, int],
            faces: List[Dict]) -> int:
    """Write the AFLW release-2 layout (AFLW_R); returns the next index."""
    root = osp.join(out, ROOTS['aflw_r'])
    index = first
    for split, sub in (('aflw_r_train', 'train'), ('aflw_r_test', 'test')):
        names, gts, hws = [], [], []
        for _ in range(counts[split]):
            name, gt, hw, face = aflw_r_face(root, seed, index, split)
            names.append(name)
            gts.append(gt)
            hws.append(hw)
            faces.append(face)
            index += 1
        write_text(osp.join(root, f'aflw_{sub}_images.txt'), names)
        savemat_deterministic(
            osp.join(root, f'aflw_{sub}_keypoints.mat'),
            dict(gt=np.asarray(gts, np.float64).reshape(-1, 5, 2),
                 hw=np.asarray(hws, np.float64).reshape(-1, 2)))
    return index


def _face300w(out: str, seed: int, first: int, counts: Dict[str, int],
              faces: List[Dict]) -> int:
    """Write the 300W layout; returns the next face index."""
    root = osp.join(out, ROOTS['face300w'])
    index = first
    for split, (folder, mat_name, ext, _) in FACE300W_SUBSETS.items():
        boxes = []
        for k in range(counts[split]):
            box, face = face300w_face(root, seed, index, k, split)
            boxes.append(box)
            faces.append(face)
            index += 1
        if folder == 'ibug':
            # the real ibug box file names images that are not released
            for k in range(2):
                fake = f'mirror_{k + 1:03d}_1{ext}'
                boxes.append(box_struct(fake, np.array([10., 10., 60., 60.]),
                                        np.array([12., 9., 61., 62.])))
        write_box_file(osp.join(root, 'Bounding Boxes',
                                f'bounding_boxes_{mat_name}.mat'), boxes)
    return index


def _extra_test(name: str, want: Optional[int], have: int, num: int,
                what: str) -> int:
    """Test faces to append for the argument ``name`` (``want`` in all,
    None: none); a count below the ``have`` faces of the split is refused."""
    if want is None:
        return 0
    if want < have:
        raise ValueError(f'{name} must be >= {have} (the {what} test faces '
                         f'of {num} faces), got {want}')
    return want - have


def make_synthetic_faces(out: str, num: int = 2000, seed: int = 0,
                         extra_celeba_train: int = 0,
                         mafl_test: Optional[int] = None,
                         aflw_m_test: Optional[int] = None,
                         aflw_r_test: Optional[int] = None,
                         face300w_test: Optional[int] = None) -> Dict:
    """Draw ``num`` faces and write all four dataset layouts under ``out``.

    Args:
        out: output folder (created).
        num: number of faces in all (>= 16).
        seed: random seed; the same seed gives identical files.
        extra_celeba_train: faces appended to the CelebA training partition
            only (:mod:`.extra_celeba`); the other files are those of the
            set without them, and ``counts['celeba_train']`` includes them.
        mafl_test: MAFL test faces in all (even; None keeps the split's
            share of ``num``): the faces beyond the share are appended
            (:func:`.extra_celeba.append_mafl_test`), every other file and
            split unchanged; the real protocol has 1,000.
        aflw_m_test, aflw_r_test, face300w_test: AFLW_M, AFLW_R and 300W
            (helen_testset + lfpw_testset + ibug) test faces in all (None
            keeps the splits' share of ``num``): the faces beyond the share
            are appended (:mod:`.extra_tests`), the other splits unchanged.

    Returns:
        the manifest (also written to ``out/synthetic_manifest.json``):
        ``seed``, ``num``, ``counts`` (faces per split), ``roots`` and
        ``faces`` (one dict per face: ``dataset``, ``split``, ``root``,
        ``file`` relative to the root, ``size`` (h, w), ``kpts5`` (5, 2),
        ``kpts68`` (68, 2) 0-based, and for 300W ``box`` (1-based xyxy));
        ``extra_celeba_train``, ``extra_mafl_test``, ``extra_aflw_m_test``,
        ``extra_aflw_r_test`` and ``extra_300w_test`` where not zero.
    """
    counts = split_counts(num)
    extra_test = 0 if mafl_test is None else mafl_test - counts['mafl_test']
    if extra_test < 0 or (mafl_test or 0) % 2:
        raise ValueError(f'mafl_test must be an even number >= '
                         f"{counts['mafl_test']} (the MAFL test faces of "
                         f'{num} faces), got {mafl_test}')
    if extra_celeba_train < 0:
        raise ValueError('extra_celeba_train must be >= 0, got '
                         f'{extra_celeba_train}')
    extra_det = dict(
        aflw_m_test=_extra_test('aflw_m_test', aflw_m_test,
                                counts['aflw_m_test'], num, 'AFLW_M'),
        aflw_r_test=_extra_test('aflw_r_test', aflw_r_test,
                                counts['aflw_r_test'], num, 'AFLW_R'),
        **{'300w_test': _extra_test(
            'face300w_test', face300w_test,
            sum(counts[s] for s in FACE300W_TEST_SPLITS), num, '300W')})
    os.makedirs(out, exist_ok=True)
    faces: List[Dict] = []
    index = _celeba(out, seed, 0, counts, faces)
    index = _aflw_m(out, seed, index, counts, faces)
    index = _aflw_r(out, seed, index, counts, faces)
    _face300w(out, seed, index, counts, faces)
    if extra_celeba_train:
        append_celeba_train(out, seed, num, extra_celeba_train, faces)
        counts['celeba_train'] += extra_celeba_train
    if extra_test:
        append_mafl_test(out, seed, extra_test, faces)
        counts['mafl_test'] += extra_test
    if extra_det['aflw_m_test']:
        append_aflw_m_test(out, seed, extra_det['aflw_m_test'], faces)
        counts['aflw_m_test'] += extra_det['aflw_m_test']
    if extra_det['aflw_r_test']:
        append_aflw_r_test(out, seed, extra_det['aflw_r_test'], faces)
        counts['aflw_r_test'] += extra_det['aflw_r_test']
    if extra_det['300w_test']:
        shares = append_300w_test(out, seed, extra_det['300w_test'], faces)
        for split, n in shares.items():
            counts[split] += n
    for f in faces:
        f['kpts5'] = np.round(np.asarray(f['kpts5']), 4).tolist()
        f['kpts68'] = np.round(np.asarray(f['kpts68']), 4).tolist()
    manifest = dict(seed=seed, num=num, counts=counts, roots=ROOTS,
                    faces=faces)
    if extra_celeba_train:
        manifest['extra_celeba_train'] = extra_celeba_train
    if extra_test:
        manifest['extra_mafl_test'] = extra_test
    for key, n in extra_det.items():
        if n:
            manifest[f'extra_{key}'] = n
    with open(osp.join(out, 'synthetic_manifest.json'), 'w') as f:
        json.dump(manifest, f)
    return manifest
