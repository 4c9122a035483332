"""Shared base of the face readers and strict file-parsing helpers.

Every reader lists its samples once (``load_data_list``) from the files of
the DVE release and fails loudly: a missing root, list file or image, a
malformed line or a wrong count raises an error that names the file (and
line) and says what was expected. Images are only checked for existence
here; they are decoded later by ``LoadImage`` in the pipeline.
"""
import os.path as osp
from copy import deepcopy
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from .metainfo import FACE5_METAINFO


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
    """Convert tokens to float64, raising with the file and line on error."""
    try:
        return np.array([float(t) for t in tokens], dtype=np.float64)
    except ValueError:
        raise DatasetFormatError(
            f'{path}, line {line}: expected {expected}, got non-numeric '
            f'values {" ".join(tokens)!r}') from None


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
        **extra: further keys.

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
        self.split = split
        self.check_size = check_size
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

    def load_data_list(self) -> List[dict]:
        raise NotImplementedError
