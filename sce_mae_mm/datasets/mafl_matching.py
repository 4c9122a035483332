"""MAFL landmark-matching protocol: 500 pairs of the 1,000 MAFL test images.

Pair ``i`` = images ``(2i, 2i + 1)`` of the MAFL test images in ascending
file-name order (``order='sorted'``, default): DVE and ContrastLandmark take
the MAFL-test rows of the sorted ``Eval/list_eval_partition.txt``, while
``MAFL/testing.txt`` itself is not sorted. ``order='list'`` keeps the list
file's order. The warps are drawn by ``MatchingPairWarp`` from
``(seed, pair_id)``. ``split='train'`` with ``max_images=2000`` gives the
MAFL-train pairs ContrastLandmark selects its projector on.
"""
import os.path as osp
from typing import List, Optional

import numpy as np
from mmpose.registry import DATASETS

from .celeba import mafl_samples
from .face_dataset import BaseFaceDataset, DatasetFormatError
from .metainfo import face5_metainfo


@DATASETS.register_module()
class MAFLMatchingDataset(BaseFaceDataset):
    """One sample per pair: ``pair_id``, ``img_paths`` [A, B],
    ``keypoints`` (2, 5, 2) original pixels, ``keypoints_visible`` (2, 5),
    ``bbox`` (2, 4) the DVE windows, ``img_path`` (A), ``img_id`` /
    ``id`` (= pair id), ``dataset_name``, ``list_file`` (the MAFL list)
    and ``list_lines`` [A, B] (their lines in it, for error messages).

    Args:
        data_root: CelebA root (with ``MAFL/testing.txt``).
        pipeline: e.g. ``[MatchingPairWarp, PackMatchingInputs]``.
        use_hq: read ``img_align_celeba_hq`` (``None``: when present).
        split: ``'test'`` (the protocol) or ``'train'`` (MAFL training
            images, for model selection off the test set).
        order: ``'sorted'`` (ascending file name, DVE's pairs) or
            ``'list'`` (the order of the MAFL list file).
        max_images: keep the first ``max_images`` images (in ``order``);
            None keeps all.
        check_size: check 1,000 test / 19,000 train images.
        **kwargs: see :class:`BaseFaceDataset`.
    """

    METAINFO = face5_metainfo('mafl')
    EXPECTED_SIZES = dict(test=1000, train=19000)
    SPLITS = ('test', 'train')
    ORDERS = ('sorted', 'list')

    def __init__(self, data_root: str, use_hq: Optional[bool] = None,
                 test_mode: bool = True, split: str = 'test',
                 order: str = 'sorted', max_images: Optional[int] = None,
                 **kwargs):
        if order not in self.ORDERS:
            raise ValueError(f'MAFLMatchingDataset: order must be one of '
                             f'{self.ORDERS}, got {order!r}')
        if max_images is not None and (max_images < 2 or max_images % 2):
            raise ValueError('MAFLMatchingDataset: max_images must be an '
                             f'even number >= 2 or None, got {max_images}')
        self.use_hq = use_hq
        self.order = order
        self.max_images = max_images
        super().__init__(data_root=data_root, split=split,
                         test_mode=test_mode, **kwargs)

    def load_data_list(self) -> List[dict]:
        samples, path = mafl_samples(self.data_root, self.split, self.use_hq,
                                     'mafl')
        self.check_count(len(samples), self.split, path)
        if self.order == 'sorted':
            samples = sorted(samples,
                             key=lambda s: osp.basename(s['img_path']))
        if self.max_images is not None:
            if len(samples) < self.max_images:
                raise DatasetFormatError(
                    f'{path}: max_images={self.max_images} but the list '
                    f'holds {len(samples)} images')
            samples = samples[:self.max_images]
        if len(samples) % 2:
            raise DatasetFormatError(
                f'{path}: the matching protocol pairs images (2i, 2i+1); '
                f'expected an even number of images, got {len(samples)}')
        pairs = []
        for i in range(len(samples) // 2):
            a, b = samples[2 * i], samples[2 * i + 1]
            pairs.append(dict(
                pair_id=i, img_id=i, id=i, img_path=a['img_path'],
                img_paths=[a['img_path'], b['img_path']],
                keypoints=np.concatenate([a['keypoints'], b['keypoints']]),
                keypoints_visible=np.concatenate(
                    [a['keypoints_visible'], b['keypoints_visible']]),
                bbox=np.concatenate([a['bbox'], b['bbox']]),
                category_id=1, dataset_name='mafl_matching',
                list_file=path,
                list_lines=[a['list_line'], b['list_line']]))
        return pairs
