"""MAFL landmark-matching protocol: 500 pairs of the 1,000 MAFL test images.

Pair ``i`` = images ``(2i, 2i + 1)`` of ``MAFL/testing.txt`` (file order).
The warps are drawn by ``MatchingPairWarp`` from ``(seed, pair_id)``.
"""
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
    ``id`` (= pair id), ``dataset_name``.

    Args:
        data_root: CelebA root (with ``MAFL/testing.txt``).
        pipeline: e.g. ``[MatchingPairWarp, PackMatchingInputs]``.
        use_hq: read ``img_align_celeba_hq`` (``None``: when present).
        check_size: check 1,000 images (500 pairs).
        **kwargs: see :class:`BaseFaceDataset`.
    """

    METAINFO = face5_metainfo('mafl')
    EXPECTED_SIZES = dict(test=1000)
    SPLITS = ('test', )

    def __init__(self, data_root: str, use_hq: Optional[bool] = None,
                 test_mode: bool = True, **kwargs):
        self.use_hq = use_hq
        kwargs.pop('split', None)
        super().__init__(data_root=data_root, split='test',
                         test_mode=test_mode, **kwargs)

    def load_data_list(self) -> List[dict]:
        samples, path = mafl_samples(self.data_root, 'test', self.use_hq,
                                     'mafl')
        self.check_count(len(samples), 'test', path)
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
                category_id=1, dataset_name='mafl_matching'))
        return pairs
