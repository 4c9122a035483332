"""The stage-1 horizontal flip, batched on the model's device.

The JPEG pipeline flips each crop in a loader worker
(``mmpretrain.RandomFlip``); with the face cache the workers only gather
bytes and :class:`BatchFlipSelfSupDataPreprocessor` flips the batch where
the model runs, with the same probability, before mmpretrain's
``SelfSupDataPreprocessor`` converts BGR to RGB and normalises.

Where the random numbers come from: the flip decisions are drawn from a
private CPU generator seeded from (``torch.initial_seed()``, the training
iteration), so the global torch stream (MAE's masking noise) is the same as
in the JPEG run with the same seed; the JPEG run draws its flips from numpy
in the workers instead, so the two runs flip different images
(tests/test_face_cache_training.py replays one run's flips in the other and
gets the same losses).
"""
from typing import Optional

import numpy as np
import torch
from mmengine.logging import MessageHub
from mmpose.registry import MODELS
from mmpretrain.models.utils import SelfSupDataPreprocessor
from torch import Tensor


def batch_hflip(inputs: Tensor, flips: Tensor) -> Tensor:
    """Flip the chosen images of a batch left-right, without a host sync.

    Args:
        inputs: (B, C, H, W) images, any dtype.
        flips: (B,) bool, on ``inputs``' device.

    Returns:
        (B, C, H, W) tensor: image ``b`` mirrored where ``flips[b]``.
    """
    if inputs.dim() != 4 or flips.shape != inputs.shape[:1]:
        raise ValueError(f'expected (B, C, H, W) images and (B,) flips, got '
                         f'{tuple(inputs.shape)} and {tuple(flips.shape)}')
    return torch.where(flips.view(-1, 1, 1, 1), inputs.flip(-1), inputs)


def flip_decisions(count: int, prob: float, *key: int) -> Tensor:
    """(count,) bool, each True with probability ``prob``, a function of
    ``key`` (e.g. (seed, iteration)) only."""
    seed = int(np.random.SeedSequence([abs(int(k)) for k in key])
               .generate_state(1)[0])
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(count, generator=gen) < prob


@MODELS.register_module()
class BatchFlipSelfSupDataPreprocessor(SelfSupDataPreprocessor):
    """``SelfSupDataPreprocessor`` with a batched random horizontal flip.

    While training, each image of the batch is mirrored with probability
    ``flip_prob`` on the model's device (uint8, before the BGR->RGB
    conversion and the normalisation, as the pipeline's flip was). The
    decisions of the last batch are kept in ``last_flips`` ((B,) bool).

    Args:
        flip_prob: probability of a flip (the JPEG config's RandomFlip
            ``prob``; 0 disables it).
        seed: the generator's base seed; None: ``torch.initial_seed()``
            (the runner's seed, per epoch under ``RNGStateHook``).
        **kwargs: as ``SelfSupDataPreprocessor`` (mean, std, to_rgb ...).
    """

    def __init__(self, flip_prob: float = 0.5, seed: Optional[int] = None,
                 **kwargs):
        super().__init__(**kwargs)
        if not 0. <= float(flip_prob) <= 1.:
            raise ValueError(f'flip_prob must be in [0, 1], got {flip_prob}')
        self.flip_prob = float(flip_prob)
        self.seed = seed
        self.last_flips: Optional[Tensor] = None
        self._calls = 0

    def draw_flips(self, count: int) -> Tensor:
        """(count,) bool decisions for the current training step."""
        step = MessageHub.get_current_instance().get_info('iter')
        if step is None:
            step = self._calls
        self._calls += 1
        base = self.seed if self.seed is not None else torch.initial_seed()
        return flip_decisions(count, self.flip_prob, base, step)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Flip (training), then convert and normalise as mmpretrain does.

        Args:
            data: ``inputs`` (B, 3, H, W) uint8 BGR, any strides (a tensor,
                as ``default_collate`` or ``face_batch_collate`` gives) and
                ``data_samples``.
            training: flip only while training.

        Returns:
            dict: ``inputs`` float (B, 3, H, W) contiguous, normalised RGB;
            ``data_samples`` as given (not moved: stage-1 samples carry
            metadata only, and a per-sample copy costs the main process
            time a fast loader saves).
        """
        inputs = data['inputs']
        if not isinstance(inputs, Tensor):
            if training and self.flip_prob > 0:
                raise TypeError(
                    'BatchFlipSelfSupDataPreprocessor needs batched inputs '
                    '(collate_fn=default_collate or face_batch_collate), got '
                    f'{type(inputs).__name__}')
            return super().forward(data, training)
        inputs = inputs.to(self.device, non_blocking=self._non_blocking)
        if training and self.flip_prob > 0:
            flips = self.draw_flips(inputs.shape[0])
            self.last_flips = flips
            inputs = batch_hflip(inputs, flips.to(inputs.device,
                                                  non_blocking=True))
        # mmpretrain's SelfSupDataPreprocessor, on a contiguous batch
        inputs = inputs.contiguous()
        if self._channel_conversion:
            inputs = inputs[:, [2, 1, 0], ...]
        inputs = inputs.float()
        if self._enable_normalize:
            inputs = (inputs - self.mean) / self.std
        return {'inputs': inputs, 'data_samples': data.get('data_samples')}
