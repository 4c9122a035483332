"""A validation split carved from the training images (model selection).

The detection protocols report the last epoch (DVE) or a fixed one (CL);
picking the best of several test-split evaluations is optimistic. Where a
best checkpoint is wanted, :class:`HeldOutSplit` splits the *training* set
into a training part and a held-out validation part (a seeded permutation,
the same for both parts), and ``save_best`` selects on the latter.
"""
import copy
from typing import List

import numpy as np
from mmpose.registry import DATASETS
from torch.utils.data import Dataset

_WHERE = 'HeldOutSplit'


def held_out_indices(num: int, val_fraction: float, seed: int,
                     part: str) -> List[int]:
    """Sorted indices of ``part`` ('train' or 'val') of ``num`` images.

    The validation part is the first ``max(1, round(num * val_fraction))``
    images of ``numpy.random.default_rng(seed).permutation(num)``.
    """
    if part not in ('train', 'val'):
        raise ValueError(f'{_WHERE}: part must be "train" or "val", got '
                         f'{part!r}')
    if not 0 < val_fraction < 1:
        raise ValueError(f'{_WHERE}: val_fraction must be in (0, 1), got '
                         f'{val_fraction}')
    num_val = max(1, int(round(num * val_fraction)))
    if num_val >= num:
        raise ValueError(f'{_WHERE}: {num} images leave none for training '
                         f'at val_fraction={val_fraction}')
    order = np.random.default_rng(seed).permutation(num)
    chosen = order[:num_val] if part == 'val' else order[num_val:]
    return sorted(int(i) for i in chosen)


@DATASETS.register_module()
class HeldOutSplit(Dataset):
    """One part of a training set split into train / held-out validation.

    Args:
        dataset (dict): the training-set config (its own ``pipeline``).
        part (str): 'train' or 'val'.
        val_fraction (float): share of the images held out.
        seed (int): seed of the split (use the same for both parts).
    """

    def __init__(self, dataset: dict, part: str = 'train',
                 val_fraction: float = 0.05, seed: int = 0) -> None:
        self.dataset = DATASETS.build(copy.deepcopy(dataset))
        self.part = part
        self.indices = held_out_indices(
            len(self.dataset), val_fraction, seed, part)

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's meta information."""
        return copy.deepcopy(self.dataset.metainfo)

    def full_init(self) -> None:
        """Nothing to do (the wrapped dataset is initialised)."""

    def get_data_info(self, idx: int) -> dict:
        """Annotation of the ``idx``-th image of this part."""
        return self.dataset.get_data_info(self.indices[idx])

    def __getitem__(self, idx: int) -> dict:
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)
