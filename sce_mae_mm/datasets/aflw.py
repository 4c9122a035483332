"""AFLW_M (MTFL layout) and AFLW_R (DVE's aflw_release-2) readers.

AFLW_M (``data/aflw-mtfl``): train = ``aflw_cropped/facedata_cropped.csv``
(header; rows with ``set == 1``; ``crop_file`` relative to ``aflw_cropped``;
columns 4-13 = x1, y1, ..., x5, y5), test = ``MTFL/testing.txt`` (path under
``MTFL/``, x1..x5, y1..y5, gender, smile, glasses, pose). Coordinates are
1-based (1 is subtracted); images are 150x150 crops, the window is the
whole image.

AFLW_R (``data/aflw/aflw_release-2``): ``aflw_{train,test}_images.txt``
(paths under ``output/``) and ``aflw_{train,test}_keypoints.mat`` with
``gt`` (N, 5, 2) stored (y, x) and ``hw`` (N, 2) = (height, width). The
window is the whole image (resized to a square, ignoring aspect ratio).
"""
import csv
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np
import scipy.io
from mmpose.registry import DATASETS

from .face_dataset import (BaseFaceDataset, DatasetFormatError,
                           check_images_exist, make_sample, parse_floats,
                           read_lines, require_entries, require_file)
from .metainfo import face5_metainfo


@DATASETS.register_module()
class AFLWMDataset(BaseFaceDataset):
    """AFLW_M: the MTFL 5-point AFLW (train 10,122 / test 2,995).

    Args:
        data_root: the ``aflw-mtfl`` root.
        split: ``'train'`` or ``'test'``.
        image_size: (width, height) of the crops (the window).
        check_size: check 10,122 / 2,995.
        **kwargs: see :class:`BaseFaceDataset`.
    """

    METAINFO = face5_metainfo('aflw_m')
    EXPECTED_SIZES = dict(train=10122, test=2995)

    def __init__(self, data_root: str, split: str = 'train',
                 image_size: Tuple[int, int] = (150, 150), **kwargs):
        self.image_size = tuple(image_size)
        super().__init__(data_root=data_root, split=split, **kwargs)

    def load_data_list(self) -> List[dict]:
        if self.split == 'train':
            paths, kpts, lines, src = self._read_train()
        else:
            paths, kpts, lines, src = self._read_test()
        require_entries(len(paths), src)
        self.check_count(len(paths), self.split, src)
        check_images_exist(paths, src, lines)
        window = (0., 0., float(self.image_size[0]),
                  float(self.image_size[1]))
        return [make_sample(p, k, kp - 1., window, 'aflw_m',
                            layout_size=self.image_size, ann_file=src,
                            ann_line=ln, list_file=src, list_line=ln)
                for k, (p, kp, ln) in enumerate(zip(paths, kpts, lines))]

    def _read_train(self):
        base = osp.join(self.data_root, 'aflw_cropped')
        src = require_file(osp.join(base, 'facedata_cropped.csv'),
                           'AFLW_M training csv')
        with open(src, newline='') as f:
            rows = list(csv.reader(f))
        if not rows:
            raise DatasetFormatError(f'{src}: empty, expected a header line')
        header = [h.strip() for h in rows[0]]
        for col in ('crop_file', 'set'):
            if col not in header:
                raise DatasetFormatError(
                    f'{src}, line 1: expected a "{col}" column in the '
                    f'header, got {header}')
        i_crop, i_set = header.index('crop_file'), header.index('set')
        paths, kpts, lines = [], [], []
        for ln, row in enumerate(rows[1:], start=2):
            if not row or not ''.join(row).strip():
                continue
            if len(row) < 14:
                raise DatasetFormatError(
                    f'{src}, line {ln}: expected at least 14 columns '
                    f'(columns 4-13 = x1,y1,...,x5,y5), got {len(row)}')
            try:
                is_train = int(float(row[i_set])) == 1
            except ValueError:
                raise DatasetFormatError(
                    f'{src}, line {ln}: expected an integer "set", got '
                    f'{row[i_set]!r}') from None
            if not is_train:
                continue
            xy = parse_floats(row[4:14], src, ln, 'x1,y1,...,x5,y5')
            paths.append(osp.join(base, row[i_crop].strip()))
            kpts.append(xy.reshape(5, 2))
            lines.append(ln)
        return paths, kpts, lines, src

    def _read_test(self):
        base = osp.join(self.data_root, 'MTFL')
        src = osp.join(base, 'testing.txt')
        paths, kpts, lines = [], [], []
        for ln, text in read_lines(src, 'AFLW_M (MTFL) test list'):
            tok = text.split()
            if len(tok) != 15:
                raise DatasetFormatError(
                    f'{src}, line {ln}: expected "<path> x1..x5 y1..y5 '
                    f'gender smile glasses pose" (15 fields), got '
                    f'{len(tok)}: {text!r}')
            v = parse_floats(tok[1:11], src, ln, 'x1..x5 y1..y5')
            paths.append(osp.join(base, *tok[0].replace('\\', '/').split(
                '/')))
            kpts.append(np.stack([v[:5], v[5:]], 1))
            lines.append(ln)
        return paths, kpts, lines, src


def read_aflw_keypoint_mat(path: str, what: str
                           ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read ``gt`` (N, 5, 2) stored (y, x) and ``hw`` (N, 2) of a ``.mat``.

    Args:
        path: ``.mat`` file.
        what: description for the error messages.

    Returns:
        tuple: keypoints (N, 5, 2) as (x, y), and ``hw`` (N, 2) or ``None``
        when the file has no ``hw``.
    """
    require_file(path, what)
    try:
        mat = scipy.io.loadmat(path)
    except Exception as e:  # scipy raises several types
        raise DatasetFormatError(f'{path}: not a readable .mat file '
                                 f'({e})') from None
    if 'gt' not in mat:
        raise DatasetFormatError(
            f'{path}: expected a field "gt" (N x 5 x 2, stored (y, x)), '
            f'found {sorted(k for k in mat if not k.startswith("__"))}')
    gt = np.asarray(mat['gt'], np.float64)
    if gt.ndim != 3 or gt.shape[1:] != (5, 2):
        raise DatasetFormatError(
            f'{path}: expected "gt" of shape (N, 5, 2), got {gt.shape}')
    bad = np.flatnonzero(~np.isfinite(gt).all(axis=(1, 2)))
    if bad.size:
        raise DatasetFormatError(
            f'{path}: "gt" rows {(bad + 1).tolist()[:10]} (1-based) hold '
            'non-finite values; expected finite (y, x) coordinates')
    hw = None
    if 'hw' in mat:
        hw = np.asarray(mat['hw'], np.float64)
        if hw.ndim != 2 or hw.shape != (gt.shape[0], 2):
            raise DatasetFormatError(
                f'{path}: expected "hw" of shape ({gt.shape[0]}, 2), got '
                f'{hw.shape}')
        bad = np.flatnonzero(~(np.isfinite(hw) & (hw > 0)).all(1))
        if bad.size:
            raise DatasetFormatError(
                f'{path}: "hw" rows {(bad + 1).tolist()[:10]} (1-based) are '
                'not positive finite (height, width)')
    return gt[:, :, ::-1].copy(), hw


@DATASETS.register_module()
class AFLWRDataset(BaseFaceDataset):
    """AFLW_R (train 10,122 / test 2,991); AFLW_RC via ``test_keypoint_file``.

    Args:
        data_root: the ``aflw_release-2`` root.
        split: ``'train'`` or ``'test'``.
        test_keypoint_file: a replacement for ``aflw_test_keypoints.mat`` of
            the same format (``gt`` (N, 5, 2) stored (y, x); ``hw`` optional,
            taken from the original file when absent), e.g. corrected labels
            (AFLW_RC). Relative paths are resolved against ``data_root``.
        check_size: check 10,122 / 2,991.
        **kwargs: see :class:`BaseFaceDataset`.
    """

    METAINFO = face5_metainfo('aflw_r')
    EXPECTED_SIZES = dict(train=10122, test=2991)

    def __init__(self, data_root: str, split: str = 'train',
                 test_keypoint_file: Optional[str] = None, **kwargs):
        self.test_keypoint_file = test_keypoint_file
        super().__init__(data_root=data_root, split=split, **kwargs)

    def load_data_list(self) -> List[dict]:
        root = self.data_root
        list_file = osp.join(root, f'aflw_{self.split}_images.txt')
        entries = read_lines(list_file, f'AFLW_R {self.split} image list')
        require_entries(len(entries), list_file)
        mat_file = osp.join(root, f'aflw_{self.split}_keypoints.mat')
        kpts, hw = read_aflw_keypoint_mat(mat_file, 'AFLW_R keypoint file')
        if hw is None:
            raise DatasetFormatError(
                f'{mat_file}: expected a field "hw" (N x 2, height and '
                'width)')
        if self.split == 'test' and self.test_keypoint_file:
            alt = self.test_keypoint_file
            if not osp.isabs(alt):
                alt = osp.join(root, alt)
            alt_kpts, alt_hw = read_aflw_keypoint_mat(
                alt, 'AFLW_R replacement test keypoint file')
            if alt_kpts.shape != kpts.shape:
                raise DatasetFormatError(
                    f'{alt}: expected "gt" of shape {kpts.shape} like '
                    f'{mat_file}, got {alt_kpts.shape}')
            kpts = alt_kpts
            hw = hw if alt_hw is None else alt_hw
            mat_file = alt
        if len(entries) != len(kpts):
            raise DatasetFormatError(
                f'{list_file} lists {len(entries)} images but {mat_file} '
                f'has {len(kpts)} keypoint rows')
        self.check_count(len(entries), self.split, list_file)
        paths = [osp.join(root, 'output', text.split()[0])
                 for _, text in entries]
        check_images_exist(paths, list_file, [ln for ln, _ in entries])
        return [make_sample(p, k, kpts[k],
                            (0., 0., float(hw[k, 1]), float(hw[k, 0])),
                            'aflw_r',
                            layout_size=(float(hw[k, 1]), float(hw[k, 0])),
                            ann_file=mat_file, ann_line=f'row {k + 1}',
                            list_file=list_file, list_line=entries[k][0])
                for k, p in enumerate(paths)]
