"""A batch of cached crops gathered at once, and its collate function.

:class:`FaceBatch` is what ``CachedFaceDataset.__getitems__`` returns when
the tail is mmpretrain's ``PackInputs``: the batch's crops read in one gather
(``inputs``, uint8 (B, 3, S, S), a channels-last view of the (B, S, S, 3)
array: no per-image transposing copy in the loader) and the metadata
PackInputs would write. :func:`face_batch_collate` turns it into the batch
``default_collate`` would give, without per-sample tensors; given anything
else it is ``default_collate``. The layout change to contiguous (B, 3, S, S)
happens in the data preprocessor, on the model's device
(``BatchFlipSelfSupDataPreprocessor``).
"""
from typing import Dict, List, Sequence

import numpy as np
import torch
from mmengine.dataset import default_collate
from mmengine.registry import FUNCTIONS


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
        self.indices = indices
        self.img_paths = list(img_paths)
        self.ori_hw = ori_hw

    def __len__(self) -> int:
        return len(self.indices)

    def data_sample(self, k: int):
        """Sample ``k``'s ``DataSample`` as PackInputs writes it."""
        from mmpretrain.structures import DataSample
        side = tuple(int(s) for s in self.inputs.shape[2:])
        return DataSample(metainfo=dict(
            sample_idx=int(self.indices[k]), img_path=self.img_paths[k],
            ori_shape=(int(self.ori_hw[k, 0]), int(self.ori_hw[k, 1])),
            img_shape=side))

    def __getitem__(self, k: int) -> Dict:
        if not -len(self) <= k < len(self):
            raise IndexError(k)
        return dict(inputs=self.inputs[k].contiguous(),
                    data_samples=self.data_sample(k))


@FUNCTIONS.register_module()
def face_batch_collate(data_batch: Sequence) -> Dict:
    """Collate a :class:`FaceBatch` without per-sample copies.

    Args:
        data_batch: a :class:`FaceBatch`, or a list of samples
            (``default_collate``).

    Returns:
        dict: ``inputs`` uint8 (B, 3, S, S) (channels-last strides for a
        FaceBatch) and ``data_samples`` (a list of ``DataSample``).
    """
    if not isinstance(data_batch, FaceBatch):
        return default_collate(data_batch)
    samples: List = [data_batch.data_sample(k)
                     for k in range(len(data_batch))]
    return dict(inputs=data_batch.inputs, data_samples=samples)
