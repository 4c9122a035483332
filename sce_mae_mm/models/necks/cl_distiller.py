"""ContrastLandmark's feature projector (``FeatDistiller``, SPEC section 7).

CL's second stage (``models/feat_distiller.py``, ``train_feature_projector.py``
of its public code) upsamples the frozen features bilinearly to a fixed size
(24 x 24 while training, the 96 x 96 image at test time), applies one 1x1
convolution to ``D`` channels and a spatial softmax per channel with the
logits multiplied by 7 (``softargmax_mul``)::

    out[d] = softmax_over_positions(7 * conv1x1(up(x))[d])

Matching takes the cosine similarity of these maps (CL L2-normalises every
location); ``normalize=True`` returns them L2-normalised over channels, which
leaves matching and CL's cosine loss unchanged and gives the detection
regressor unit-scale features.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..utils.freeze import freeze_module

_WHERE = 'CLDistiller'


@MODELS.register_module()
class CLDistiller(BaseModule):
    """Upsample, 1x1 conv, spatial softmax x ``softmax_mul`` (CL's projector).

    Args:
        in_channels (int): backbone width C.
        out_channels (int): descriptor dimension D.
        kernel_size (int): odd size of the convolution (CL: 1).
        softmax_mul (float): multiplier of the spatial-softmax logits (CL:
            7); 0 skips the softmax (CL's ``mode='linear'``).
        train_size (int, optional): side the features are upsampled to in
            train mode (CL: 24); None keeps the map size.
        test_size (int, optional): the same in eval mode (CL: 96, the
            image); None keeps the map size (e.g. for a detection head).
        normalize (bool): L2-normalise the output over channels.
        concat_backbone (bool): return the (upsampled) backbone channels
            first, then the descriptor (for the detection regressor).
        frozen (bool): keep the block in eval mode without gradients.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 64,
                 kernel_size: int = 1,
                 softmax_mul: float = 7.,
                 train_size: Optional[int] = 24,
                 test_size: Optional[int] = 96,
                 normalize: bool = True,
                 concat_backbone: bool = False,
                 frozen: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'{_WHERE}: kernel_size must be odd and >= 1, '
                             f'got {kernel_size}')
        for name, size in (('train_size', train_size),
                           ('test_size', test_size)):
            if size is not None and size < 1:
                raise ValueError(f'{_WHERE}: {name} must be >= 1 or None, '
                                 f'got {size}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.softmax_mul = float(softmax_mul)
        self.train_size = train_size
        self.test_size = test_size
        self.normalize = normalize
        self.concat_backbone = concat_backbone
        self.frozen = frozen
        self.reg_conv = nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size=kernel_size,
            padding=(kernel_size - 1) // 2)
        if frozen:
            freeze_module(self)

    def train(self, mode: bool = True) -> 'CLDistiller':
        """Set train mode; a frozen block always stays in eval mode."""
        super().train(False if self.frozen else mode)
        return self

    def distill(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Upsampled features and their descriptor maps.

        Args:
            x (Tensor): (B, C, h, w) backbone map.

        Returns:
            tuple[Tensor, Tensor]: (B, C, S, S) upsampled map and (B, D, S,
            S) descriptors, ``S`` the train or test size (or h).
        """
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'{_WHERE}: expected a (B, {self.in_channels}, '
                             f'h, w) map, got {tuple(x.shape)}')
        size = self.train_size if self.training else self.test_size
        if size is not None and tuple(x.shape[-2:]) != (size, size):
            x = F.interpolate(x, size=(size, size), mode='bilinear',
                              align_corners=False)
        out = self.reg_conv(x)
        if self.softmax_mul != 0:
            out = (self.softmax_mul * out.flatten(2)).softmax(-1).view_as(out)
        if self.normalize:
            out = F.normalize(out, dim=1)
        return x, out

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor]:
        """Descriptors of the last backbone map.

        Args:
            feats (tuple[Tensor]): backbone outputs; the last, (B, C, h, w).

        Returns:
            tuple[Tensor]: ``((B, D, S, S),)`` or ``((B, C + D, S, S),)``
            with ``concat_backbone``.
        """
        if isinstance(feats, Tensor):
            feats = (feats, )
        x, out = self.distill(feats[-1])
        if self.concat_backbone:
            return (torch.cat([x, out], dim=1), )
        return (out, )
