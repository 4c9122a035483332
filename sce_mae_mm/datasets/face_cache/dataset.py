"""``CachedFaceDataset``: the reader's samples with their pre-decoded crops.

Each sample is the reader's data info, the cached crop as ``img`` and the
keys the pipeline head (``LoadImage``, ``DVEFaceCrop``) would have written,
then the config's tail (``pipeline``: the packer; the flip runs batched in
the data preprocessor, ``models/data_preprocessors/batch_flip.py``). The
result equals the JPEG pipeline's byte for byte (tests/test_face_cache.py).

A DataLoader fetching a batch calls :meth:`CachedFaceDataset.__getitems__`,
which reads the batch's crops from the memory-mapped array in one gather;
with ``pipeline=[dict(type='mmpretrain.PackInputs')]`` it returns a
:class:`FaceBatch`, which ``collate_fn=dict(type='face_batch_collate')``
packs without per-sample copies (``batch.py``).
"""
import os.path as osp
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import Compose
from mmengine.dataset import BaseDataset
from mmpose.registry import DATASETS
from torch.utils.data import Dataset

from .batch import FaceBatch
from .head import HeadMeta, head_to_json, split_pipeline, transform_type
from .manifest import (FaceCacheError, check_manifest, check_npy,
                       manifest_path, partial_paths, read_manifest,
                       source_records)

#: the stage-1/stage-2 head: decode, DVE crop 136 -> 96
DEFAULT_HEAD = (dict(type='LoadImage'),
                dict(type='DVEFaceCrop', resize=136, crop=96))


def expand_runs(runs: Sequence[Sequence[int]], count: int,
                where: str) -> np.ndarray:
    """Run-length (n, h, w) -> (count, 2) int32 decoded sizes."""
    if not runs or sum(int(r[0]) for r in runs) != count:
        raise FaceCacheError(f'{where}: hw_runs do not cover the {count} '
                             'cached images; rebuild the cache')
    return np.concatenate([np.tile(np.array([[h, w]], np.int32), (n, 1))
                           for n, h, w in runs])


@DATASETS.register_module()
class CachedFaceDataset(Dataset):
    """A face reader served from a face cache (``tools/build_face_cache.py``).

    Args:
        cache: the cache ``.npy`` (its manifest beside it).
        dataset: the reader's config (e.g. ``CelebADataset``), as in the
            JPEG config, without a pipeline.
        head: the JPEG pipeline's deterministic head the cache was built
            with (checked against the manifest).
        pipeline: the transforms after the head (e.g. the packer).
        check_files: compare the list files and every image's size and
            mtime with the manifest (one ``stat`` per image); False only
            checks the count and the head.
    """

    def __init__(self, cache: str, dataset: Union[dict, BaseDataset],
                 head: Sequence[dict] = DEFAULT_HEAD,
                 pipeline: Sequence[dict] = (), check_files: bool = True):
        self.cache = osp.abspath(cache)
        head, tail = split_pipeline(head, 'CachedFaceDataset.head')
        if tail:
            raise FaceCacheError(f'CachedFaceDataset.head must be the head '
                                 f'only ({head}); put {tail} in pipeline')
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dict(dataset, pipeline=[]))
        self.reader = dataset
        man_path = manifest_path(self.cache)
        manifest = self._manifest(man_path)
        count = len(dataset)
        sources = None
        if check_files:
            infos = [BaseDataset.get_data_info(dataset, i)
                     for i in range(count)]
            sources = source_records(infos, dataset.data_root)
        check_manifest(manifest, sources, count, head_to_json(head),
                       man_path, check_files)
        self.shape = check_npy(self.cache, manifest['shape'])
        self.hw = expand_runs(manifest.get('hw_runs'), count, man_path)
        self.head_meta = HeadMeta(list(head))
        self.pipeline = Compose(list(pipeline))
        self._fast_pack = self._fast_pack_keys(pipeline)
        self._paths = [BaseDataset.get_data_info(dataset, i)['img_path']
                       for i in range(count)] if self._fast_pack else None
        self._images: Optional[np.ndarray] = None

    def _manifest(self, man_path: str) -> Dict:
        """The finished cache's manifest, or an error saying what to do."""
        if not osp.isfile(man_path) or not osp.isfile(self.cache):
            partial = partial_paths(self.cache)[0]
            hint = (f'; an unfinished build is at {partial}: rerun '
                    'tools/build_face_cache.py to resume it'
                    if osp.exists(partial) else '')
            missing = man_path if not osp.isfile(man_path) else self.cache
            raise FaceCacheError(
                f'no finished face cache at {self.cache} ({missing} does '
                'not exist); build it: python tools/build_face_cache.py '
                f'CONFIG{hint}')
        manifest = read_manifest(man_path)
        if not manifest.get('complete'):
            raise FaceCacheError(f'{man_path}: the cache is not complete; '
                                 'rerun tools/build_face_cache.py')
        return manifest

    @staticmethod
    def _fast_pack_keys(pipeline: Sequence[dict]) -> bool:
        """Whether the tail is mmpretrain's ``PackInputs`` with its
        default keys (packed batch-wise by :meth:`__getitems__`)."""
        if len(pipeline) != 1 or not isinstance(pipeline[0], dict):
            return False
        pack = pipeline[0]
        default = set(pack) <= {'type'}
        return transform_type(pack) == 'PackInputs' and default and (
            str(pack['type']).startswith('mmpretrain.'))

    # ------------------------------------------------------- the array
    @property
    def images(self) -> np.ndarray:
        """The (N, S, S, 3) uint8 crops, memory-mapped (opened lazily, so
        that data-loader workers open their own map)."""
        if self._images is None:
            self._images = np.load(self.cache, mmap_mode='r')
        return self._images

    def __getstate__(self) -> Dict:
        state = dict(self.__dict__)
        state['_images'] = None  # never pickle the mapped array
        return state

    # ------------------------------------------------------- samples
    @property
    def metainfo(self) -> dict:
        """The reader's metainfo."""
        return self.reader.metainfo

    def __len__(self) -> int:
        return int(self.shape[0])

    def get_data_info(self, idx: int) -> Dict:
        """The reader's data info with the head's keys (no pixels)."""
        info = self.reader.get_data_info(idx)
        return self.head_meta(info, self.hw[idx])

    def prepare_data(self, idx: int, img: Optional[np.ndarray] = None):
        """One sample through the tail (``img``: its crop, if read)."""
        results = self.get_data_info(idx)
        results['img'] = np.array(self.images[idx] if img is None else img)
        return self.pipeline(results)

    def __getitem__(self, idx: int):
        return self.prepare_data(int(idx))

    def __getitems__(self, indices: Sequence[int]) -> Sequence:
        """A batch: one gather from the array, then the tail (a
        :class:`FaceBatch` when the tail is mmpretrain's PackInputs)."""
        idx = np.asarray(indices, np.int64)
        crops = self.images[idx]
        if self._fast_pack:
            return FaceBatch(crops, idx, [self._paths[i] for i in idx],
                             self.hw[idx])
        return [self.prepare_data(int(i), crops[k])
                for k, i in enumerate(idx)]
