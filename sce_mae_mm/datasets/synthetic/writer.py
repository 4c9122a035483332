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

from .extra_celeba import append_celeba_train, append_mafl_test
from .files import (POSE_HARD, POSE_MILD, POSE_WILD, ROOTS, imwrite,
                    render_celeba_face, render_indexed, savemat_deterministic,
                    write_text)

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
    rest = num - mins.sum()
    share = frac / frac.sum() * rest
    counts = mins + np.floor(share).astype(int)
    order = np.argsort(-(share - np.floor(share)), kind='stable')
    counts[order[:num - counts.sum()]] += 1
    i_test, i_train = names.index('mafl_test'), names.index('celeba_train')
    if counts[i_test] % 2:
        counts[i_test] -= 1
        counts[i_train] += 1
    return dict(zip(names, (int(c) for c in counts)))


def _fmt(v: float) -> str:
    return f'{v:.3f}'


def _stored(v: np.ndarray) -> np.ndarray:
    """Round like the 3-decimal text files (so the manifest is exact)."""
    return np.round(np.asarray(v, np.float64), 3)


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
            img, k68, k5, info = render_indexed(
                seed, index, (150, 150), (75., 66.), 36., POSE_WILD)
            image_file = f'image{index:05d}.jpg'
            k5 = _stored(k5 + 1.)  # 1-based in the files
            if split == 'aflw_m_train':
                rel = osp.join('cropped', f'{index:05d}_{image_file}')
                imwrite(osp.join(root, 'aflw_cropped', rel), img)
                csv_rows.append(','.join(
                    [image_file, rel, '1', str(index)]
                    + [_fmt(v) for v in k5.reshape(-1)]))
                faces.append(dict(
                    dataset='aflw_m', split=split, root=ROOTS['aflw_m'],
                    file=osp.join('aflw_cropped', rel), size=[150, 150],
                    kpts5=(k5 - 1).tolist(), kpts68=k68.tolist(),
                    info=info))
            else:
                rel = f'AFLW/{k + 1:04d}-{image_file}'
                imwrite(osp.join(root, 'MTFL', rel), img)
                # the source image is listed in the csv too (set 2)
                csv_rows.append(','.join(
                    [image_file, osp.join('cropped', f'{index:05d}_'
                                          f'{image_file}'), '2', str(index)]
                    + [_fmt(v) for v in k5.reshape(-1)]))
                attrs = np.random.default_rng([seed, index, 1]).integers(
                    1, [3, 3, 3, 6])
                test_rows.append(' '.join(
                    [rel] + [_fmt(v) for v in k5[:, 0]]
                    + [_fmt(v) for v in k5[:, 1]]
                    + [str(a) for a in attrs]))
                faces.append(dict(
                    dataset='aflw_m', split=split, root=ROOTS['aflw_m'],
                    file=osp.join('MTFL', rel), size=[150, 150],
                    kpts5=(k5 - 1).tolist(), kpts68=k68.tolist(),
                    info=info))
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
            srng = np.random.default_rng([seed, index, 2])
            w = int(srng.integers(110, 231))
            h = int(np.clip(round(w * srng.uniform(0.85, 1.2)), 100, 260))
            img, k68, k5, info = render_indexed(
                seed, index, (h, w), (0.5 * w, 0.42 * h), 0.25 * w,
                dict(POSE_WILD, shift=0.03 * w))
            name = f'image{index:05d}_{1 + index % 3}.jpg'
            imwrite(osp.join(root, 'output', name), img)
            names.append(name)
            gts.append(k5[:, ::-1])  # stored (y, x)
            hws.append([h, w])
            faces.append(dict(
                dataset='aflw_r', split=split, root=ROOTS['aflw_r'],
                file=osp.join('output', name), size=[h, w],
                kpts5=k5.tolist(), kpts68=k68.tolist(), info=info))
            index += 1
        write_text(osp.join(root, f'aflw_{sub}_images.txt'), names)
        savemat_deterministic(
            osp.join(root, f'aflw_{sub}_keypoints.mat'),
            dict(gt=np.asarray(gts, np.float64).reshape(-1, 5, 2),
                 hw=np.asarray(hws, np.float64).reshape(-1, 2)))
    return index


def _pts_lines(kpts68_1based: np.ndarray) -> List[str]:
    return (['version: 1', 'n_points:  68', '{']
            + [f'{_fmt(x)} {_fmt(y)}' for x, y in kpts68_1based] + ['}'])


def _box_struct(name: str, gt: np.ndarray, det: np.ndarray) -> Dict:
    return dict(imgName=name, bb_detector=det.reshape(1, 4),
                bb_ground_truth=gt.reshape(1, 4))


def _face300w(out: str, seed: int, first: int, counts: Dict[str, int],
              faces: List[Dict]) -> int:
    """Write the 300W layout; returns the next face index."""
    root = osp.join(out, ROOTS['face300w'])
    subsets = (('300w_afw', 'afw', 'afw', '.jpg', 'train'),
               ('300w_helen_trainset', 'helen/trainset', 'helen_trainset',
                '.jpg', 'train'),
               ('300w_lfpw_trainset', 'lfpw/trainset', 'lfpw_trainset',
                '.png', 'train'),
               ('300w_helen_testset', 'helen/testset', 'helen_testset',
                '.jpg', 'common'),
               ('300w_lfpw_testset', 'lfpw/testset', 'lfpw_testset', '.png',
                'common'),
               ('300w_ibug', 'ibug', 'ibug', '.jpg', 'challenging'))
    index = first
    for split, folder, mat_name, ext, kind in subsets:
        boxes = []
        for k in range(counts[split]):
            srng = np.random.default_rng([seed, index, 3])
            w, h = (int(v) for v in srng.integers(240, 481, 2))
            iod = srng.uniform(38., 80.)
            centre = (srng.uniform(0.38, 0.62) * w,
                      srng.uniform(0.34, 0.5) * h)
            hard = kind == 'challenging'
            img, k68, k5, info = render_indexed(
                seed, index, (h, w), centre, iod,
                POSE_HARD if hard else POSE_MILD,
                occluder_prob=0.35 if hard else 0.12,
                light=1.6 if hard else 1.)
            if folder == 'lfpw/trainset' or folder == 'lfpw/testset':
                name = f'image_{k + 1:04d}{ext}'
            elif folder == 'ibug':
                name = f'image_{k + 1:03d}_1{ext}'
            else:
                name = f'{1000000 + index * 37:d}_1{ext}'
            imwrite(osp.join(root, folder, name), img)
            pts1 = _stored(k68 + 1.)  # 1-based in the .pts files
            write_text(osp.join(root, folder, name[:-4] + '.pts'),
                       _pts_lines(pts1))
            gt = np.concatenate([pts1.min(0), pts1.max(0)])
            size = gt[2:] - gt[:2]
            det = gt + srng.normal(0., 0.04, 4) * np.tile(size, 2)
            boxes.append(_box_struct(name, gt, det))
            faces.append(dict(
                dataset='300w', split=split, root=ROOTS['face300w'],
                file=osp.join(folder, name), size=[h, w],
                kpts5=k5.tolist(), kpts68=(pts1 - 1).tolist(),
                box=gt.tolist(), info=info))
            index += 1
        if folder == 'ibug':
            # the real ibug box file names images that are not released
            for k in range(2):
                fake = f'mirror_{k + 1:03d}_1{ext}'
                boxes.append(_box_struct(fake, np.array([10., 10., 60., 60.]),
                                         np.array([12., 9., 61., 62.])))
        cell = np.empty((1, len(boxes)), dtype=object)
        for k, b in enumerate(boxes):
            cell[0, k] = b
        savemat_deterministic(
            osp.join(root, 'Bounding Boxes', f'bounding_boxes_{mat_name}.mat'),
            dict(bounding_boxes=cell))
    return index


def make_synthetic_faces(out: str, num: int = 2000, seed: int = 0,
                         extra_celeba_train: int = 0,
                         mafl_test: Optional[int] = None) -> Dict:
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

    Returns:
        the manifest (also written to ``out/synthetic_manifest.json``):
        ``seed``, ``num``, ``counts`` (faces per split), ``roots`` and
        ``faces`` (one dict per face: ``dataset``, ``split``, ``root``,
        ``file`` relative to the root, ``size`` (h, w), ``kpts5`` (5, 2),
        ``kpts68`` (68, 2) 0-based, and for 300W ``box`` (1-based xyxy)).
    """
    counts = split_counts(num)
    extra_test = 0 if mafl_test is None else mafl_test - counts['mafl_test']
    if extra_test < 0 or (mafl_test or 0) % 2:
        raise ValueError(f'mafl_test must be an even number >= '
                         f"{counts['mafl_test']} (the MAFL test faces of "
                         f'{num} faces), got {mafl_test}')
    os.makedirs(out, exist_ok=True)
    faces: List[Dict] = []
    index = _celeba(out, seed, 0, counts, faces)
    index = _aflw_m(out, seed, index, counts, faces)
    index = _aflw_r(out, seed, index, counts, faces)
    _face300w(out, seed, index, counts, faces)
    if extra_celeba_train < 0:
        raise ValueError('extra_celeba_train must be >= 0, got '
                         f'{extra_celeba_train}')
    if extra_celeba_train:
        append_celeba_train(out, seed, num, extra_celeba_train, faces)
        counts['celeba_train'] += extra_celeba_train
    if extra_test:
        append_mafl_test(out, seed, extra_test, faces)
        counts['mafl_test'] += extra_test
    for f in faces:
        f['kpts5'] = np.round(np.asarray(f['kpts5']), 4).tolist()
        f['kpts68'] = np.round(np.asarray(f['kpts68']), 4).tolist()
    manifest = dict(seed=seed, num=num, counts=counts, roots=ROOTS,
                    faces=faces)
    if extra_celeba_train:
        manifest['extra_celeba_train'] = extra_celeba_train
    if extra_test:
        manifest['extra_mafl_test'] = extra_test
    with open(osp.join(out, 'synthetic_manifest.json'), 'w') as f:
        json.dump(manifest, f)
    return manifest
