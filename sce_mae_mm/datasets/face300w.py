"""300W in DVE's layout: iBUG ``.pts`` files and bounding-box ``.mat`` files.

Layout (``data/300w/300w``): train = ``afw/``, ``helen/trainset/``,
``lfpw/trainset/`` (3,148); test = ``helen/testset/``, ``lfpw/testset/``
(common, 554) and ``ibug/`` (challenging, 135). Images are listed by
``Bounding Boxes/bounding_boxes_<subset>.mat`` (``bounding_boxes``: 1xN cell
of structs with ``imgName``, ``bb_detector``, ``bb_ground_truth``); the 68
points (1-based, 1 is subtracted) are in ``<image>.pts`` beside each image.
As in DVE, only the ibug entries whose name starts with ``image`` are used
(the others are not part of the release).

The DVE pre-crop window: scale the image so that the ground-truth box is
52 px wide, cut 100x100 centred on the box and 2 px up (DVE's integer
arithmetic), expressed as a window in original pixels
(:func:`dve_300w_window`).
"""
import math
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np
import scipy.io
from mmpose.registry import DATASETS

from .face_dataset import (BaseFaceDataset, DatasetFormatError,
                           check_images_exist, image_file_size, make_sample,
                           parse_floats, read_lines, require_dir, require_file)
from .metainfo import face300w_metainfo
from .transforms.load_image import describe_source

#: (folder, box-file subset name) per split / subset
SUBSETS: Dict[str, Tuple[Tuple[str, str], ...]] = dict(
    train=(('afw', 'afw'), ('helen/trainset', 'helen_trainset'),
           ('lfpw/trainset', 'lfpw_trainset')),
    common=(('helen/testset', 'helen_testset'),
            ('lfpw/testset', 'lfpw_testset')),
    challenging=(('ibug', 'ibug'), ),
)


def dve_300w_window(box: np.ndarray, face_px: int = 52,
                    out_px: int = 100, lift: int = 2) -> np.ndarray:
    """DVE's 300W crop as a window in original pixels.

    DVE scales the image by ``fac = 52 / box width`` and cuts ``out_px``
    pixels around the (integer) scaled box centre, ``lift`` pixels up.

    Args:
        box: ``bb_ground_truth`` (xmin, ymin, xmax, ymax), 1-based (MATLAB).
        face_px: width of the box after scaling.
        out_px: size of the cut.
        lift: upward shift of the cut (scaled pixels).

    Returns:
        (4,) window (x1, y1, x2, y2) in original pixels.
    """
    xmin, ymin, xmax, ymax = (float(v) for v in box)
    bw = xmax - xmin + 1
    bh = ymax - ymin + 1
    bcx = xmin + (bw + 1) / 2
    bcy = ymin + (bh + 1) / 2
    fac = face_px / bw
    cx = math.floor(fac * bcx)
    cy = math.floor(fac * bcy)
    pad = (out_px - face_px) / 2
    bx = int(cx - face_px / 2 + 1 - pad)
    by = int(cy - face_px / 2 + 1 - pad - lift)
    # DVE cuts scaled pixels [bx - 1, bx - 1 + out_px) (0-based)
    return np.array([bx - 1, by - 1, bx - 1 + out_px, by - 1 + out_px],
                    np.float64) / fac


def read_pts(path: str, num_points: int = 68) -> np.ndarray:
    """Read an iBUG ``.pts`` file.

    Args:
        path: ``.pts`` file (``version: 1``, ``n_points: N``, ``{``, N lines
            ``x y``, ``}``).
        num_points: expected number of points.

    Returns:
        (num_points, 2) float64 (x, y) as stored (1-based).
    """
    lines = read_lines(path, 'landmark (.pts) file')
    if len(lines) < 3 or not lines[0][1].startswith('version'):
        raise DatasetFormatError(
            f'{path}, line 1: expected "version: 1", "n_points: '
            f'{num_points}", "{{" then {num_points} lines "x y" and "}}"')
    ln, text = lines[1]
    tok = text.replace(':', ' ').split()
    if len(tok) != 2 or tok[0] != 'n_points' or not tok[1].isdigit():
        raise DatasetFormatError(
            f'{path}, line {ln}: expected "n_points: {num_points}", got '
            f'{text!r}')
    if int(tok[1]) != num_points:
        raise DatasetFormatError(
            f'{path}, line {ln}: expected {num_points} points, the file '
            f'has n_points {tok[1]}')
    if lines[2][1] != '{':
        raise DatasetFormatError(
            f'{path}, line {lines[2][0]}: expected "{{", got '
            f'{lines[2][1]!r}')
    body = lines[3:]
    if not body or body[-1][1] != '}':
        raise DatasetFormatError(f'{path}: expected a closing "}}" line')
    body = body[:-1]
    if len(body) != num_points:
        raise DatasetFormatError(
            f'{path}: expected {num_points} point lines between "{{" and '
            f'"}}", found {len(body)}')
    pts = np.empty((num_points, 2), np.float64)
    for k, (ln, text) in enumerate(body):
        tok = text.split()
        if len(tok) != 2:
            raise DatasetFormatError(
                f'{path}, line {ln}: expected "x y", got {text!r}')
        pts[k] = parse_floats(tok, path, ln, '"x y"')
    return pts


def _field(struct: np.ndarray, name: str, path: str, k: int) -> np.ndarray:
    names = struct.dtype.names or ()
    if name not in names:
        raise DatasetFormatError(
            f'{path}: bounding_boxes entry {k + 1} has no field "{name}" '
            f'(expected imgName, bb_detector, bb_ground_truth; found '
            f'{list(names)})')
    value = struct[name]
    while isinstance(value, np.ndarray) and value.dtype == object:
        value = value.reshape(-1)[0]
    return np.asarray(value)


def read_box_file(path: str) -> List[Tuple[str, np.ndarray]]:
    """Read a ``bounding_boxes_<subset>.mat`` file.

    Args:
        path: ``.mat`` file.

    Returns:
        list of (image name, ``bb_ground_truth`` (4,) 1-based xyxy).
    """
    require_file(path, '300W bounding-box file')
    try:
        mat = scipy.io.loadmat(path)
    except Exception as e:  # scipy raises several types
        raise DatasetFormatError(
            f'{path}: not a readable .mat file ({e})') from None
    if 'bounding_boxes' not in mat:
        raise DatasetFormatError(
            f'{path}: expected a variable "bounding_boxes" (1xN cell of '
            f'structs), found '
            f'{sorted(k for k in mat if not k.startswith("__"))}')
    cells = np.asarray(mat['bounding_boxes']).reshape(-1)
    out = []
    for k, cell in enumerate(cells):
        struct = cell
        while (isinstance(struct, np.ndarray) and struct.dtype == object
               and struct.dtype.names is None):
            struct = struct.reshape(-1)[0]
        struct = np.asarray(struct).reshape(-1)[0]
        name = _field(struct, 'imgName', path, k)
        box = _field(struct, 'bb_ground_truth', path, k)
        name = str(name.reshape(-1)[0]) if name.size else ''
        box = np.asarray(box, np.float64).reshape(-1)
        if box.size != 4:
            raise DatasetFormatError(
                f'{path}: bounding_boxes entry {k + 1} ({name}): expected '
                f'bb_ground_truth with 4 values, got {box.size}')
        if not np.isfinite(box).all():
            raise DatasetFormatError(
                f'{path}: bounding_boxes entry {k + 1} ({name}): '
                f'bb_ground_truth holds non-finite values {box.tolist()}')
        out.append((name, box))
    return out


@DATASETS.register_module()
class Face300WDVEDataset(BaseFaceDataset):
    """300W with DVE's split and box-based crops (68 points).

    Args:
        data_root: the ``300w/300w`` root.
        split: ``'train'`` (3,148) or ``'test'``.
        subset: for the test split, ``'full'`` (689), ``'common'`` (554) or
            ``'challenging'`` (135); must be ``'full'`` for train.
        check_size: check the full-dataset counts.
        **kwargs: see :class:`BaseFaceDataset`.
    """

    #: mmpose's 300w.py metainfo is loaded by ``default_metainfo``
    METAINFO = dict(dataset_name='300w')
    EXPECTED_SIZES = dict(train=3148, full=689, common=554,
                          challenging=135)
    SUBSET_NAMES = ('full', 'common', 'challenging')

    def __init__(self, data_root: str, split: str = 'train',
                 subset: str = 'full', **kwargs):
        if subset not in self.SUBSET_NAMES:
            raise ValueError(f'subset must be one of {self.SUBSET_NAMES}, '
                             f'got {subset!r}')
        if split == 'train' and subset != 'full':
            raise ValueError("subset applies to split='test' only")
        self.subset = subset
        super().__init__(data_root=data_root, split=split, **kwargs)

    @classmethod
    def default_metainfo(cls) -> dict:
        """mmpose's 68-point 300W metainfo."""
        return face300w_metainfo()

    def load_data_list(self) -> List[dict]:
        root = self.data_root
        if self.split == 'train':
            groups = SUBSETS['train']
            key = 'train'
        else:
            key = self.subset
            groups = (SUBSETS['common'] + SUBSETS['challenging']
                      if key == 'full' else SUBSETS[key])
        samples = []
        for folder, mat_name in groups:
            require_dir(osp.join(root, folder), f'300W folder {folder}')
            box_file = osp.join(root, 'Bounding Boxes',
                                f'bounding_boxes_{mat_name}.mat')
            # (1-based entry of the box file, (name, box))
            entries = list(enumerate(read_box_file(box_file), 1))
            if folder == 'ibug':
                entries = [e for e in entries
                           if e[1][0].startswith('image')]
            paths = [osp.join(root, folder, name)
                     for _, (name, _) in entries]
            check_images_exist(paths, box_file)
            for (k, (name, box)), path in zip(entries, paths):
                pts_file = osp.splitext(path)[0] + '.pts'
                pts = read_pts(pts_file)
                entry = f'entry {k}'
                samples.append(make_sample(
                    path, len(samples), pts - 1., dve_300w_window(box),
                    '300w', gt_box=box.astype(np.float32),
                    image_wh=image_file_size(
                        path, describe_source(box_file, entry)),
                    ann_file=pts_file, ann_line='the point list',
                    list_file=box_file, list_line=entry))
        self.check_count(len(samples), key, f'the box files under {root}')
        return samples
