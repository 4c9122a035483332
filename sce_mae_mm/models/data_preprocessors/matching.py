"""The matching triplets' preprocessor: stack, move, normalise.

Each sample is a (G, 3, H, W) uint8 tensor (source, same, different;
``PackMatchingInputs``); the batch becomes (B, G, 3, H, W) float.
"""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor
from mmpose.registry import MODELS

_WHERE = 'MatchingDataPreprocessor'


@MODELS.register_module()
class MatchingDataPreprocessor(BaseDataPreprocessor):
    """Stack, move and normalise image triplets.

    Args:
        mean (Sequence[float], optional): per-channel mean (0-255 scale,
            RGB); with ``std``, the configs' face normalisation
            (``configs/_base_/datasets/face_normalisation.py``). None with
            ``std`` None: no normalisation (mmpose's convention).
        std (Sequence[float], optional): per-channel std (0-255 scale, RGB).
        bgr_to_rgb (bool): flip the channel order first (images loaded
            by OpenCV are BGR).
        non_blocking (bool): non-blocking host-to-device copies.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 bgr_to_rgb: bool = False,
                 non_blocking: bool = False) -> None:
        super().__init__(non_blocking=non_blocking)
        if (mean is None) != (std is None):
            raise ValueError(f'{_WHERE}: give both mean and std or neither, '
                             f'got {mean} and {std}')
        if mean is None:
            mean, std = (0., 0., 0.), (1., 1., 1.)
        if len(mean) != 3 or len(std) != 3:
            raise ValueError(f'{_WHERE}: mean and std need 3 values, got '
                             f'{mean} and {std}')
        self.register_buffer('mean',
                             torch.tensor(mean).view(1, 1, 3, 1, 1), False)
        self.register_buffer('std',
                             torch.tensor(std).view(1, 1, 3, 1, 1), False)
        self.bgr_to_rgb = bgr_to_rgb

    def forward(self, data: dict, training: bool = False) -> dict:
        """Normalise a batch.

        Args:
            data (dict): ``inputs`` a list of (G, 3, H, W) uint8 tensors (or
                one (B, G, 3, H, W) tensor), ``data_samples``.

        Returns:
            dict: ``inputs`` (B, G, 3, H, W) float, ``data_samples``.
        """
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        if inputs.dim() != 5 or inputs.shape[2] != 3:
            raise ValueError(f'{_WHERE}: expected (B, G, 3, H, W) inputs '
                             f'(G images per sample), got '
                             f'{tuple(inputs.shape)}')
        inputs = inputs.float()
        if self.bgr_to_rgb:
            inputs = inputs.flip(2)
        inputs = (inputs - self.mean) / self.std
        return dict(inputs=inputs, data_samples=data.get('data_samples'))
