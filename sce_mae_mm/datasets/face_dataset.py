"""Shared base of the face readers and strict file-parsing helpers.

Every reader lists its samples once (``load_data_list``) from the files of
the DVE release and fails loudly: a missing root, list file or image, a
malformed line or a wrong count raises an error that names the file (and
line) and says what was expected. Values that are not landmarks are
refused too: NaN/inf coordinates, landmarks far outside the image
(``outside_landmarks``), an empty list file, and images whose size breaks
the layout's fixed size (checked when the pipeline decodes them). Images are
only checked for existence here; they are decoded later by ``LoadImage``
(the project's, see ``transforms/load_image.py``). Each sample records the
list file and line that name its image (``list_file``, ``list_line``), so
an image that cannot be decoded is reported with both.
"""
import os.path as osp
import warnings
from copy import deepcopy
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from .metainfo import FACE5_METAINFO
# re-exported: the readers check image headers with it
from .transforms.load_image import image_file_size  # noqa: F401


class DatasetFormatError(ValueError):
    """A dataset file does not have the expected format."""


def require_dir(path: str, what: str) -> str:
    """Raise ``FileNotFoundError`` unless ``path`` is a directory."""
    if not path or not osp.isdir(path):
        raise FileNotFoundError(f'{what} not found: {path!r} is not a '
                                'directory')
    return path


def require_file(path: str, what: str) -> str:
    """Raise ``FileNotFoundError`` unless ``path`` is a file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}')
    return path


def read_lines(path: str, what: str) -> List[Tuple[int, str]]:
    """Non-empty stripped lines of a text file with their 1-based number.

    Args:
        path: text file.
        what: description used in the error message.

    Returns:
        list of (line number, stripped text).
    """
    require_file(path, what)
    with open(path, 'r') as f:
        return [(i + 1, ln.strip()) for i, ln in enumerate(f)
                if ln.strip()]


def parse_floats(tokens: Sequence[str], path: str, line: int,
                 expected: str) -> np.ndarray:
    """Convert tokens to finite float64, raising with the file and line on
    a non-numeric or non-finite (NaN, inf) value."""
    try:
        values = np.array([float(t) for t in tokens], dtype=np.float64)
    except ValueError:
        raise DatasetFormatError(
            f'{path}, line {line}: expected {expected}, got non-numeric '
            f'values {" ".join(tokens)!r}') from None
    if not np.isfinite(values).all():
        raise DatasetFormatError(
            f'{path}, line {line}: expected {expected}, got non-finite '
            f'values {" ".join(tokens)!r}')
    return values


def require_entries(count: int, path: str) -> None:
    """Raise ``DatasetFormatError`` when a list file gives no samples."""
    if count == 0:
        raise DatasetFormatError(f'{path} lists no images')


#: what ``outside_landmarks`` accepts
OUTSIDE_POLICIES = ('error', 'exclude')


def screen_landmarks(samples: List[dict], policy: str = 'error',
                     margin: float = 0.25) -> List[dict]:
    """Refuse (or drop, with a warning) samples whose landmarks lie far
    outside their image.

    A landmark is far outside when it is more than ``margin`` times the
    image's width (height) left or right of (above or below) the image.
    The size is the sample's ``layout_size`` (width, height), else its
    ``image_wh``; samples with neither are kept.

    Args:
        samples: from :func:`make_sample` with ``layout_size``,
            ``ann_file`` and ``ann_line``.
        policy: ``'error'`` or ``'exclude'``.
        margin: tolerance, a fraction of the image size.

    Raises:
        DatasetFormatError: ``policy='error'`` and a landmark is far
            outside, naming the file and line.

    Returns:
        the samples kept.
    """
    if policy not in OUTSIDE_POLICIES:
        raise ValueError(f'outside_landmarks must be one of '
                         f'{OUTSIDE_POLICIES}, got {policy!r}')
    kept, dropped = [], []
    for sample in samples:
        size = sample.get('layout_size', sample.get('image_wh'))
        if size is None:
            kept.append(sample)
            continue
        size = np.asarray(size, np.float64)
        kpts = np.asarray(sample['keypoints'], np.float64).reshape(-1, 2)
        far = ((kpts < -margin * size) | (kpts > (1 + margin) * size)).any(1)
        if not far.any():
            kept.append(sample)
            continue
        line = sample.get('ann_line', '?')
        where = f'{sample.get("ann_file", sample["img_path"])}, ' + (
            line if isinstance(line, str) else f'line {line}')
        msg = (f'{where}: landmarks {np.flatnonzero(far).tolist()} at '
               f'{kpts[far].round(1).tolist()} lie far outside the '
               f'{int(size[0])}x{int(size[1])} image {sample["img_path"]} '
               f'(more than {margin:g} x its size)')
        if policy == 'error':
            raise DatasetFormatError(
                msg + "; fix the label or pass outside_landmarks='exclude' "
                'to drop such samples with a warning')
        dropped.append(msg)
    for msg in dropped:
        warnings.warn(f'{msg}: excluded (outside_landmarks=\'exclude\')')
    return kept


def check_image_size(path: str, shape: Sequence[int],
                     expected: Sequence[float], layout: str) -> None:
    """Raise when a decoded image breaks the layout's fixed size.

    Args:
        path: the image.
        shape: its (height, width, ...) as decoded.
        expected: the layout's (width, height).
        layout: the dataset layout, for the message.
    """
    height, width = int(shape[0]), int(shape[1])
    exp_w, exp_h = int(round(expected[0])), int(round(expected[1]))
    if (width, height) != (exp_w, exp_h):
        raise DatasetFormatError(
            f'image {path} is {width}x{height}, expected {exp_w}x{exp_h} '
            f'(the {layout} layout: the landmarks and the crop window '
            'assume that size); pass check_image_size=False to read it '
            'anyway')


def check_images_exist(paths: Sequence[str], source: str,
                       lines: Optional[Sequence[int]] = None) -> None:
    """Raise ``FileNotFoundError`` naming the first missing image.

    Args:
        paths: image paths.
        source: the list file the paths come from.
        lines: the line of each path in ``source`` (for the message).
    """
    for k, p in enumerate(paths):
        if not osp.isfile(p):
            where = f', line {lines[k]}' if lines is not None else ''
            raise FileNotFoundError(
                f'image {p} listed in {source}{where} does not exist')


def make_sample(img_path: str, img_id: int, keypoints: np.ndarray,
                window: Sequence[float], dataset_name: str,
                **extra) -> Dict:
    """One mmpose-style sample (see docs/architecture.md, Data conventions).

    Args:
        img_path: absolute image path.
        img_id: integer id (also used as the instance ``id``).
        keypoints: (K, 2) 0-based (x, y) in original pixels.
        window: the DVE pre-crop window (x1, y1, x2, y2) in original pixels.
        dataset_name: e.g. ``'mafl'``.
        **extra: further keys, e.g. ``ann_file`` / ``ann_line`` (where the
            landmarks are) and ``list_file`` / ``list_line`` (where the
            image is listed; named when it cannot be decoded).

    Returns:
        dict with ``img_path``, ``img_id``, ``id``, ``keypoints`` (1, K, 2),
        ``keypoints_visible`` (1, K), ``bbox`` (1, 4), ``bbox_score`` (1,),
        ``category_id``, ``dataset_name`` (float32 arrays).
    """
    kpts = np.asarray(keypoints, np.float32).reshape(1, -1, 2)
    sample = dict(
        img_path=img_path, img_id=int(img_id), id=int(img_id),
        keypoints=kpts,
        keypoints_visible=np.ones(kpts.shape[:2], np.float32),
        bbox=np.asarray(window, np.float32).reshape(1, 4),
        bbox_score=np.ones(1, np.float32), category_id=1,
        dataset_name=dataset_name)
    sample.update(extra)
    return sample


class BaseFaceDataset(BaseDataset):
    """Base of the face readers: strict loading, size check, metainfo.

    Args:
        data_root: dataset root (the DVE layout of the dataset).
        split: which split to read (reader specific).
        check_size: compare the number of samples with the full dataset's
            (``EXPECTED_SIZES``); switch off for subsets / synthetic data.
        outside_landmarks: ``'error'`` (default) refuses a sample with a
            landmark far outside its image (see :func:`screen_landmarks`),
            ``'exclude'`` drops it with a warning naming file and line.
        outside_margin: how far outside counts as far, a fraction of the
            image size. Defaults to 0.25.
        check_image_size: refuse a decoded image whose size differs from the
            layout's fixed size (CelebA 178x218, AFLW_M ``image_size``,
            AFLW_R the ``hw`` of the keypoint file).
        pipeline: data pipeline.
        test_mode, metainfo, lazy_init, serialize_data, max_refetch,
        indices: as in ``mmengine.dataset.BaseDataset``.
    """

    METAINFO: dict = FACE5_METAINFO
    #: split -> expected number of samples of the full dataset
    EXPECTED_SIZES: Dict[str, int] = {}
    #: accepted values of ``split``
    SPLITS: Tuple[str, ...] = ('train', 'test')

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 check_size: bool = True,
                 outside_landmarks: str = 'error',
                 outside_margin: float = 0.25,
                 check_image_size: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 metainfo: Optional[dict] = None,
                 lazy_init: bool = False,
                 serialize_data: bool = True,
                 max_refetch: int = 1000,
                 indices: Optional[Union[int, Sequence[int]]] = None):
        if split not in self.SPLITS:
            raise ValueError(f'{type(self).__name__}: split must be one of '
                             f'{self.SPLITS}, got {split!r}')
        if outside_landmarks not in OUTSIDE_POLICIES:
            raise ValueError(f'{type(self).__name__}: outside_landmarks must '
                             f'be one of {OUTSIDE_POLICIES}, got '
                             f'{outside_landmarks!r}')
        self.split = split
        self.check_size = check_size
        self.outside_landmarks = outside_landmarks
        self.outside_margin = float(outside_margin)
        self.check_image_size = check_image_size
        require_dir(data_root, f'{type(self).__name__} data_root')
        super().__init__(
            ann_file='', data_root=osp.abspath(data_root),
            data_prefix=dict(img=''), pipeline=list(pipeline),
            test_mode=test_mode, metainfo=metainfo, lazy_init=lazy_init,
            serialize_data=serialize_data, max_refetch=max_refetch,
            indices=indices)

    @classmethod
    def default_metainfo(cls) -> dict:
        """The mmpose-style metainfo of the dataset (``METAINFO``)."""
        return deepcopy(cls.METAINFO)

    @classmethod
    def _load_metainfo(cls, metainfo: Optional[dict] = None) -> dict:
        """Parse the mmpose-style metainfo (flip indices, colours, ...).

        A ``metainfo`` without keypoint definitions (e.g. only a new
        ``dataset_name``) updates the dataset's default metainfo.
        """
        if metainfo is None:
            metainfo = {}
        if not isinstance(metainfo, dict):
            raise TypeError(f'metainfo should be a dict, got '
                            f'{type(metainfo)}')
        if 'from_file' not in metainfo and 'keypoint_info' not in metainfo:
            metainfo = dict(cls.default_metainfo(), **metainfo)
        name = metainfo.get('dataset_name')
        metainfo = parse_pose_metainfo(deepcopy(metainfo))
        if name is not None:
            metainfo['dataset_name'] = name
        return metainfo

    def check_count(self, count: int, key: str, source: str) -> None:
        """Raise if ``check_size`` and ``count`` differs from the full set.

        Args:
            count: number found.
            key: key of ``EXPECTED_SIZES``.
            source: the file(s) counted (for the message).
        """
        expected = self.EXPECTED_SIZES.get(key)
        if self.check_size and expected is not None and count != expected:
            raise DatasetFormatError(
                f'{type(self).__name__}: {source} gives {count} samples for '
                f'{key!r}, expected {expected} (the full dataset); pass '
                'check_size=False to read a subset')

    def get_data_info(self, idx: int) -> dict:
        """Sample ``idx`` with the metainfo items pipelines need."""
        info = super().get_data_info(idx)
        for key in ('flip_indices', 'flip_pairs', 'upper_body_ids',
                    'lower_body_ids', 'dataset_keypoint_weights',
                    'skeleton_links'):
            if key in self._metainfo and key not in info:
                info[key] = deepcopy(self._metainfo[key])
        return info

    def filter_data(self) -> List[dict]:
        """Refuse an empty dataset; screen far-outside landmarks."""
        if not self.data_list:
            raise DatasetFormatError(
                f'{type(self).__name__}: {self.data_root} gives no samples '
                f'for split {self.split!r}')
        return screen_landmarks(self.data_list, self.outside_landmarks,
                                self.outside_margin)

    def prepare_data(self, idx: int):
        """Run the pipeline; after the image is decoded, check its size
        against the layout (``layout_size``) when ``check_image_size``."""
        results = self.get_data_info(idx)
        expected = results.get('layout_size')
        check = self.check_image_size and expected is not None
        for transform in self.pipeline.transforms:
            results = transform(results)
            if results is None:
                return None
            if check and 'ori_shape' in results:
                check_image_size(results['img_path'], results['ori_shape'],
                                 expected, type(self).__name__)
                check = False
        return results

    def load_data_list(self) -> List[dict]:
        raise NotImplementedError
