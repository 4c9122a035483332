"""Random TPS warps of whole batches, drawn and applied on their device.

The project's one TPS (:mod:`.tps_warp`, :mod:`.tps_map`) for the models
that warp a batch on the fly: ``DenseStage2``'s second view
(``second_view='tps'``, LEAD with DVE's training warp).
"""
from typing import Optional

import torch
from torch import Tensor

from .tps_map import SD_NAMES, sample_tps_params
from .tps_warp import tps_sampling_grid, tps_warp_image

_WHERE = 'tps_warp_batch'


#: DVE's training warp as its ``Warper`` applies it: the sds of
#: ``utils/tps.py``, every warp drawn at ``im1_multiplier = 0.5`` of them
DVE_TRAINING_WARP = dict(
    warpsd_all=0.001,
    warpsd_subset=0.01,
    transsd=0.1,
    scalesd=0.1,
    rotsd=5.,
    multiplier=0.5)


def random_tps_grid(batch: int, size: int, *args,
                    device: Optional[torch.device] = None,
                    **warp_args) -> Tensor:
    """Sampling grids of ``batch`` random TPS warps (the project's TPS,
    :mod:`sce_mae_mm.datasets.transforms.tps_warp`).

    Args:
        batch (int): number of warps B.
        size (int): image side S (normalised with ``align_corners=True``:
            pixel 0 -> -1, pixel S-1 -> 1).
        *args, **warp_args: :func:`sample_tps_params`'s sds (positional
            in its order) and ``multiplier``; DVE's training warp by
            default.
        device (torch.device, optional): device of the grids.

    Returns:
        Tensor: (B, S, S, 2) float32 grids for ``F.grid_sample(...,
        align_corners=True)``.
    """
    args = dict(DVE_TRAINING_WARP, **dict(zip(SD_NAMES, args)), **warp_args)
    params = sample_tps_params(None, batch=batch, device=device, **args)
    pix = tps_sampling_grid(params, size)
    return (2. * pix / (size - 1) - 1.).float()


def tps_warp_batch(images: Tensor, **warp_args) -> Tensor:
    """Warp every image of a batch by its own random TPS, on its device.

    Args:
        images (Tensor): (B, C, S, S) images (normalised; pixels sampled
            from outside the image are 0, the mean colour).
        **warp_args: :func:`sample_tps_params`'s sds and ``multiplier``
            (DVE's training warp by default).

    Returns:
        Tensor: (B, C, S, S) warped images.
    """
    if images.dim() != 4 or images.shape[-1] != images.shape[-2]:
        raise ValueError(f'{_WHERE}: expected square images (B, C, S, S), '
                         f'got {tuple(images.shape)}')
    params = sample_tps_params(None, batch=images.shape[0],
                               device=images.device,
                               **dict(DVE_TRAINING_WARP, **warp_args))
    return tps_warp_image(images, params, crop=images.shape[-1])
