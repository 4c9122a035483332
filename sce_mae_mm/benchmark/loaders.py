"""The two stage-1 loaders the benchmarks compare, built from one JPEG
config: the JPEG pipeline (decode, DVE crop, flip, pack in the worker) and
the face cache (a gather in the worker, the flip in the data preprocessor).
"""
import os.path as osp
from typing import Callable, Dict, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS
from torch.utils.data import DataLoader, Dataset, RandomSampler

from ..datasets.face_cache import face_batch_collate, split_pipeline
from ..datasets.face_cache.builder import build_face_cache
from ..datasets.face_cache.head import transform_type

#: the synthetic CelebA set of the quick start and its cache
DEFAULT_ROOT = 'data/synthetic/celeba'
DEFAULT_CACHE = 'data/face_cache/synthetic_celeba_train_dve96.npy'


def jpeg_config(config: str, data_root: str) -> Config:
    """The JPEG config with its reader on ``data_root`` (any size)."""
    cfg = Config.fromfile(config)
    reader = cfg.train_dataloader.dataset
    reader.data_root = data_root
    reader.check_size = False
    return cfg


def cached_dataset_cfg(cfg: Config, cache: str) -> dict:
    """The ``CachedFaceDataset`` config that replaces ``cfg``'s reader:
    same reader, the pipeline's head cached, its flip dropped (the
    preprocessor flips)."""
    reader = dict(cfg.train_dataloader.dataset)
    head, tail = split_pipeline(reader.pop('pipeline'), cfg.filename)
    tail = [t for t in tail if transform_type(t) != 'RandomFlip']
    return dict(type='CachedFaceDataset', cache=cache, dataset=reader,
                head=head, pipeline=tail)


def flip_prob(cfg: Config) -> float:
    """The JPEG pipeline's RandomFlip probability (0 without one)."""
    flips = [t for t in cfg.train_dataloader.dataset.pipeline
             if transform_type(t) == 'RandomFlip']
    return float(flips[0].get('prob', 0.5)) if flips else 0.


def build_pair(config: str, data_root: str, cache: str,
               progress: bool = True) -> Tuple[Config, Dataset, Dataset]:
    """The config, its JPEG dataset and its cached dataset (the cache is
    built first when it is missing or stale)."""
    cfg = jpeg_config(config, data_root)
    cache = osp.abspath(cache)
    build_face_cache(cfg, out=cache, progress=progress)
    init_default_scope('mmpose')
    jpeg = DATASETS.build(cfg.train_dataloader.dataset)
    cached = DATASETS.build(cached_dataset_cfg(cfg, cache))
    return cfg, jpeg, cached


#: each loader's collate function
COLLATE: Dict[str, Callable] = dict(jpeg=default_collate,
                                    cache=face_batch_collate)


def fetch(dataset: Dataset, collate: Callable, indices: Sequence[int]):
    """One batch as a DataLoader worker makes it (torch's map fetcher)."""
    getitems = getattr(dataset, '__getitems__', None)
    samples = (getitems(list(indices)) if getitems else
               [dataset[i] for i in indices])
    return collate(samples)


def random_batches(size: int, batch: int, count: int,
                   seed: int = 0) -> np.ndarray:
    """(count, batch) shuffled indices (with replacement: the synthetic
    set may hold fewer images than a batch)."""
    return np.random.default_rng(seed).integers(0, size, (count, batch))


def loader(dataset: Dataset, kind: str, batch: int, workers: int,
           steps: int, pin_memory: bool = False) -> DataLoader:
    """A shuffled DataLoader of ``steps`` batches (with replacement)."""
    sampler = RandomSampler(dataset, replacement=True,
                            num_samples=batch * steps)
    return DataLoader(dataset, batch_size=batch, sampler=sampler,
                      num_workers=workers, collate_fn=COLLATE[kind],
                      pin_memory=pin_memory, drop_last=True,
                      persistent_workers=workers > 0)
