"""A batch of cached crops gathered at once, and its collate function.

:class:`FaceBatch` is what ``CachedFaceDataset.__getitems__`` returns when
the tail is mmpretrain's ``PackInputs``: the batch's crops read in one gather
(``inputs``, uint8 (B, 3, S, S), a channels-last view of the (B, S, S, 3)
array: no per-image transposing copy in the loader) and the metadata
PackInputs would write. :func:`face_batch_collate` turns it into the batch
``default_collate`` would give without per-sample work: ``data_samples`` is
a :class:`FaceSamples`, a sequence whose ``DataSample`` s are built when
read (MAE never reads them; building and sending 512 of them per batch
would cost a loader worker more than the gather). Given anything else it
is ``default_collate``. The layout change to contiguous (B, 3, S, S)
happens in the data preprocessor, on the model's device
(``BatchFlipSelfSupDataPreprocessor``).
"""
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import default_collate
from mmengine.registry import FUNCTIONS


class FaceSamples(Sequence):
    """The ``DataSample`` s of a cached batch, built when read.

    Item ``k`` holds PackInputs' metainfo of the batch's sample ``k``:
    ``sample_idx``, ``img_path``, ``ori_shape``, ``img_shape``.

    Args:
        samples: ready ``DataSample`` s (what mmengine's ``cast_data``
            passes when it rebuilds a sequence); or, with ``indices``, none.
        indices: (B,) dataset indices.
        img_paths: each sample's image path.
        ori_hw: (B, 2) decoded image sizes.
        side: the crop's side.
    """

    def __init__(self, samples: Iterable = (),
                 indices: Optional[np.ndarray] = None,
                 img_paths: Sequence[str] = (),
                 ori_hw: Optional[np.ndarray] = None, side: int = 0):
        self._ready: Optional[List] = (None if indices is not None else
                                       list(samples))
        self.indices = indices
        self.img_paths = list(img_paths)
        self.ori_hw = ori_hw
        self.side = int(side)

    def __len__(self) -> int:
        return (len(self._ready) if self._ready is not None else
                len(self.indices))

    def __getitem__(self, k: int):
        if self._ready is not None:
            return self._ready[k]
        if not -len(self) <= k < len(self):
            raise IndexError(k)
        from mmpretrain.structures import DataSample
        return DataSample(metainfo=dict(
            sample_idx=int(self.indices[k]), img_path=self.img_paths[k],
            ori_shape=(int(self.ori_hw[k, 0]), int(self.ori_hw[k, 1])),
            img_shape=(self.side, self.side)))


class FaceBatch(Sequence):
    """A gathered batch; indexing gives the per-sample packed dicts.

    Args:
        crops: (B, S, S, 3) uint8 crops.
        indices: (B,) dataset indices.
        img_paths: each sample's image path.
        ori_hw: (B, 2) decoded image sizes.
    """

    def __init__(self, crops: np.ndarray, indices: np.ndarray,
                 img_paths: Sequence[str], ori_hw: np.ndarray):
        self.inputs = torch.from_numpy(crops).permute(0, 3, 1, 2)
        self.samples = FaceSamples(indices=indices, img_paths=img_paths,
                                   ori_hw=ori_hw, side=crops.shape[1])

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, k: int) -> Dict:
        if not -len(self) <= k < len(self):
            raise IndexError(k)
        return dict(inputs=self.inputs[k].contiguous(),
                    data_samples=self.samples[k])


@FUNCTIONS.register_module()
def face_batch_collate(data_batch: Sequence) -> Dict:
    """Collate a :class:`FaceBatch` without per-sample work.

    Args:
        data_batch: a :class:`FaceBatch`, or a list of samples
            (``default_collate``).

    Returns:
        dict: ``inputs`` uint8 (B, 3, S, S) (channels-last strides for a
        FaceBatch) and ``data_samples`` (a :class:`FaceSamples` for a
        FaceBatch).
    """
    if not isinstance(data_batch, FaceBatch):
        return default_collate(data_batch)
    return dict(inputs=data_batch.inputs, data_samples=data_batch.samples)
