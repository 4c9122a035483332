"""CelebA (self-supervised training) and MAFL (5-point detection) readers.

Layout (``data/celeba``): ``Img/img_align_celeba/<id>.jpg`` (178x218;
``Img/img_align_celeba_hq/`` is preferred when present),
``Anno/list_landmarks_align_celeba.txt`` (count line, header line, then
``<file> lx ly rx ry nx ny lmx lmy rmx rmy``), ``Eval/list_eval_partition.txt``
(``<file> 0|1|2``), ``MAFL/training.txt`` and ``MAFL/testing.txt`` (names).
The DVE pre-crop window is the 178x178 square from row 30.
"""
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmpose.registry import DATASETS

from .face_dataset import (BaseFaceDataset, DatasetFormatError,
                           check_images_exist, image_file_size, make_sample,
                           parse_floats, read_lines, require_entries,
                           require_file, screen_landmarks)
from .metainfo import face5_metainfo
from .transforms.load_image import describe_source

#: DVE pre-crop window of an aligned CelebA image (x1, y1, x2, y2)
CELEBA_WINDOW = (0., 30., 178., 208.)
#: (width, height) of every aligned CelebA image
CELEBA_SIZE = (178, 218)
CELEBA_NUM_IMAGES = 202599

LANDMARK_FILE = osp.join('Anno', 'list_landmarks_align_celeba.txt')
PARTITION_FILE = osp.join('Eval', 'list_eval_partition.txt')
MAFL_FILES = dict(train=osp.join('MAFL', 'training.txt'),
                  test=osp.join('MAFL', 'testing.txt'))


def celeba_image_dir(root: str, use_hq: Optional[bool] = None) -> str:
    """The image folder: ``img_align_celeba_hq`` when present, else the
    plain one (``use_hq`` forces the choice)."""
    hq = osp.join(root, 'Img', 'img_align_celeba_hq')
    plain = osp.join(root, 'Img', 'img_align_celeba')
    if use_hq is None:
        use_hq = osp.isdir(hq)
    path = hq if use_hq else plain
    if not osp.isdir(path):
        raise FileNotFoundError(f'CelebA image folder not found: {path}')
    return path


def read_celeba_landmarks(root: str) -> Tuple[Dict[str, int], np.ndarray,
                                              str, List[int]]:
    """Parse ``Anno/list_landmarks_align_celeba.txt``.

    Args:
        root: CelebA root.

    Returns:
        tuple: ``index`` (file name -> row), ``kpts`` (N, 5, 2) float64
        (x, y) as stored, the file path, and the line of each row.
    """
    path = osp.join(root, LANDMARK_FILE)
    lines = read_lines(path, 'CelebA landmark file')
    if len(lines) < 2:
        raise DatasetFormatError(f'{path}: expected a count line and a '
                                 'header line before the landmarks')
    ln, first = lines[0]
    try:
        count = int(first.split()[0])
    except ValueError:
        raise DatasetFormatError(
            f'{path}, line {ln}: expected the number of images, got '
            f'{first!r}') from None
    ln, header = lines[1]
    if len(header.split()) != 10:
        raise DatasetFormatError(
            f'{path}, line {ln}: expected a header of 10 column names '
            f'(lefteye_x ... rightmouth_y), got {header!r}')
    index: Dict[str, int] = {}
    row_lines: List[int] = []
    kpts = np.empty((len(lines) - 2, 10), np.float64)
    for k, (ln, text) in enumerate(lines[2:]):
        tok = text.split()
        if len(tok) != 11:
            raise DatasetFormatError(
                f'{path}, line {ln}: expected "<file> lx ly rx ry nx ny lmx '
                f'lmy rmx rmy" (11 fields), got {len(tok)} fields: {text!r}')
        kpts[k] = parse_floats(tok[1:], path, ln, '10 landmark coordinates')
        index[tok[0]] = k
        row_lines.append(ln)
    require_entries(len(index), path)
    if count != len(index):
        raise DatasetFormatError(
            f'{path}: line 1 announces {count} images but {len(index)} '
            'landmark rows follow')
    return index, kpts.reshape(-1, 5, 2), path, row_lines


def read_celeba_partition(root: str) -> Tuple[List[Tuple[str, int]], str]:
    """Parse ``Eval/list_eval_partition.txt``.

    Returns:
        tuple: list of (file name, partition 0|1|2) in file order, path.
    """
    path = osp.join(root, PARTITION_FILE)
    out = []
    for ln, text in read_lines(path, 'CelebA partition file'):
        tok = text.split()
        if len(tok) != 2 or tok[1] not in ('0', '1', '2'):
            raise DatasetFormatError(
                f'{path}, line {ln}: expected "<file> 0|1|2", got {text!r}')
        out.append((tok[0], int(tok[1])))
    require_entries(len(out), path)
    return out, path


def read_mafl_list(root: str, split: str) -> Tuple[List[str], List[int],
                                                   str]:
    """Parse ``MAFL/training.txt`` or ``MAFL/testing.txt`` (one name a line).

    Returns:
        tuple: names in file order, their line numbers, the path.
    """
    path = osp.join(root, MAFL_FILES[split])
    names, lines = [], []
    for ln, text in read_lines(path, f'MAFL {split} list'):
        tok = text.split()
        if not tok[0].lower().endswith(('.jpg', '.png', '.jpeg')):
            raise DatasetFormatError(
                f'{path}, line {ln}: expected an image file name, got '
                f'{text!r}')
        names.append(tok[0])
        lines.append(ln)
    require_entries(len(names), path)
    return names, lines, path


def _celeba_sample(img_dir: str, name: str, img_id: int, kpts: np.ndarray,
                   lm_path: str, lm_line: int, dataset_name: str,
                   list_file: str, list_line: int) -> dict:
    """One CelebA sample: landmarks from ``lm_path``, image listed in
    ``list_file`` at ``list_line``."""
    return make_sample(
        osp.join(img_dir, name), img_id, kpts, CELEBA_WINDOW, dataset_name,
        layout_size=CELEBA_SIZE, ann_file=lm_path, ann_line=lm_line,
        list_file=list_file, list_line=list_line)


def mafl_samples(root: str, split: str, use_hq: Optional[bool],
                 dataset_name: str,
                 screen: bool = True) -> Tuple[List[dict], str]:
    """MAFL samples in list-file order (shared with the matching set).

    Args:
        root, split, use_hq, dataset_name: see :class:`MAFLDataset`.
        screen: refuse landmarks far outside the image and images whose
            header size is not 178x218 here (for readers whose pipeline
            does not decode through ``LoadImage``, the matching pairs).

    Returns:
        tuple: samples, the list file path.
    """
    index, kpts, lm_path, lm_lines = read_celeba_landmarks(root)
    names, lines, path = read_mafl_list(root, split)
    img_dir = celeba_image_dir(root, use_hq)
    samples = []
    for name, ln in zip(names, lines):
        if name not in index:
            raise DatasetFormatError(
                f'{path}, line {ln}: {name} has no landmarks in {lm_path}')
        row = index[name]
        samples.append(_celeba_sample(
            img_dir, name, _image_number(name, path, ln), kpts[row],
            lm_path, lm_lines[row], dataset_name, path, ln))
    check_images_exist([s['img_path'] for s in samples], path, lines)
    if screen:
        screen_landmarks(samples)
        for sample, ln in zip(samples, lines):
            size = image_file_size(sample['img_path'],
                                   describe_source(path, ln))
            if tuple(size) != CELEBA_SIZE:
                raise DatasetFormatError(
                    f'image {sample["img_path"]} (listed in {path}, line '
                    f'{ln}) is {size[0]}x{size[1]}, expected '
                    f'{CELEBA_SIZE[0]}x{CELEBA_SIZE[1]} (the aligned '
                    'CelebA layout)')
    return samples, path


def _image_number(name: str, path: str, line: int) -> int:
    stem = osp.splitext(name)[0]
    if not stem.isdigit():
        raise DatasetFormatError(f'{path}, line {line}: expected a numbered '
                                 f'CelebA file name, got {name!r}')
    return int(stem)


@DATASETS.register_module()
class CelebADataset(BaseFaceDataset):
    """Aligned CelebA, for self-supervised training (DVE layout).

    ``split='train'`` is partition 0 minus every MAFL image (train and test);
    ``'val'`` / ``'test'`` are partitions 1 / 2, also without MAFL images
    (as DVE's ``CelebAPrunedAligned_MAFLVal``). The landmarks are kept
    (for drawing); the window is ``CELEBA_WINDOW``.

    Args:
        data_root: CelebA root.
        split: ``'train'``, ``'val'`` or ``'test'``.
        use_hq: read ``img_align_celeba_hq`` (``None``: when present).
        check_size: check the full-dataset counts (202,599 rows; partitions
            162,770 / 19,867 / 19,962; MAFL 19,000 / 1,000).
        **kwargs: see :class:`BaseFaceDataset`.
    """

    METAINFO = face5_metainfo('celeba')
    SPLITS = ('train', 'val', 'test')
    EXPECTED_SIZES = dict(all=CELEBA_NUM_IMAGES, train=162770, val=19867,
                          test=19962, mafl_train=19000, mafl_test=1000)

    def __init__(self, data_root: str, split: str = 'train',
                 use_hq: Optional[bool] = None, **kwargs):
        self.use_hq = use_hq
        super().__init__(data_root=data_root, split=split, **kwargs)

    def load_data_list(self) -> List[dict]:
        root = self.data_root
        index, kpts, lm_path, lm_lines = read_celeba_landmarks(root)
        self.check_count(len(index), 'all', lm_path)
        parts, part_path = read_celeba_partition(root)
        self.check_count(len(parts), 'all', part_path)
        mafl = set()
        for split in ('train', 'test'):
            names, _, path = read_mafl_list(root, split)
            self.check_count(len(names), f'mafl_{split}', path)
            mafl.update(names)
        wanted = dict(train=0, val=1, test=2)[self.split]
        self.check_count(sum(p == wanted for _, p in parts), self.split,
                         part_path)
        img_dir = celeba_image_dir(root, self.use_hq)
        samples, lines = [], []
        for k, (name, part) in enumerate(parts):
            if part != wanted or name in mafl:
                continue
            if name not in index:
                raise DatasetFormatError(
                    f'{part_path}, line {k + 1}: {name} has no landmarks '
                    f'in {lm_path}')
            row = index[name]
            samples.append(_celeba_sample(
                img_dir, name, _image_number(name, part_path, k + 1),
                kpts[row], lm_path, lm_lines[row], 'celeba', part_path,
                k + 1))
            lines.append(k + 1)
        check_images_exist([s['img_path'] for s in samples], part_path,
                           lines)
        return samples


@DATASETS.register_module()
class MAFLDataset(BaseFaceDataset):
    """MAFL: CelebA images of ``MAFL/training.txt`` (19,000) and
    ``MAFL/testing.txt`` (1,000), 5 landmarks from the CelebA file.

    Args:
        data_root: CelebA root.
        split: ``'train'`` or ``'test'`` (list-file order).
        use_hq: read ``img_align_celeba_hq`` (``None``: when present).
        check_size: check 19,000 / 1,000.
        **kwargs: see :class:`BaseFaceDataset`.
    """

    METAINFO = face5_metainfo('mafl')
    EXPECTED_SIZES = dict(train=19000, test=1000)

    def __init__(self, data_root: str, split: str = 'train',
                 use_hq: Optional[bool] = None, **kwargs):
        self.use_hq = use_hq
        super().__init__(data_root=data_root, split=split, **kwargs)

    def load_data_list(self) -> List[dict]:
        require_file(osp.join(self.data_root, MAFL_FILES[self.split]),
                     f'MAFL {self.split} list')
        samples, path = mafl_samples(self.data_root, self.split, self.use_hq,
                                     'mafl', screen=False)
        self.check_count(len(samples), self.split, path)
        return samples
