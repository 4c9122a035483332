"""Projector with spatial context (SPEC section 3.4).

With a pointwise projector the approximated map of CARB cannot change the
LCR loss: the loss reads only the attentive tokens and the cluster centres,
whose features the substitution leaves as they are. The paper builds the
"complete 2D feature map" to pass it through the projector, which only
matters when the projector sees neighbouring tokens. This projector's first
layer is a ``k x k`` convolution over the token grid (GELU), the second a
1x1 convolution to ``D`` channels, then an L2 normalisation.

Padding respects the token map: borders are replicate-padded (a border token
sees copies of itself, not zeros), and on a denser map of ``m`` times the
training grid (cover-and-stride at stride ``P / m``: a 48 x 48 map is 4 times
the 12 x 12 grid) the convolution is dilated by ``m``, so that its taps are
one token (``P`` pixels) apart exactly as during training.
"""
from typing import Optional

import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn

from ...dtypes import to_parameter_dtype

_WHERE = 'SpatialProjector'
PADDINGS = ('replicate', 'reflect', 'zeros')


@MODELS.register_module()
class SpatialProjector(nn.Module):
    """``k x k`` conv (token-grid context) + GELU + 1x1 conv + L2 norm.

    Args:
        in_channels (int): backbone width C.
        out_channels (int): descriptor dimension D.
        hidden_channels (int, optional): hidden width; default C.
        kernel_size (int): odd size of the first convolution (3).
        grid_size (int, optional): side of the training token grid (12 for
            96-px crops and patch 8). A map of side ``m * grid_size`` is
            convolved with dilation ``m``; other sides raise. None: never
            dilate.
        padding_mode (str): ``'replicate'`` (default), ``'reflect'`` or
            ``'zeros'``.
        normalize (bool): L2-normalise the output over channels.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 128,
                 hidden_channels: Optional[int] = None,
                 kernel_size: int = 3,
                 grid_size: Optional[int] = 12,
                 padding_mode: str = 'replicate',
                 normalize: bool = True) -> None:
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'{_WHERE}: kernel_size must be odd and >= 1, '
                             f'got {kernel_size}')
        if padding_mode not in PADDINGS:
            raise ValueError(f'{_WHERE}: padding_mode must be one of '
                             f'{PADDINGS}, got {padding_mode!r}')
        if grid_size is not None and grid_size < 1:
            raise ValueError(f'{_WHERE}: grid_size must be >= 1 or None, got '
                             f'{grid_size}')
        hidden = hidden_channels or in_channels
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.grid_size = grid_size
        self.padding_mode = padding_mode
        self.normalize = normalize
        self.fc1 = nn.Conv2d(in_channels, hidden, kernel_size=kernel_size)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(hidden, out_channels, kernel_size=1)

    def dilation(self, height: int, width: int) -> int:
        """Dilation for a (height, width) map (1 on the training grid)."""
        if self.grid_size is None:
            return 1
        if (height != width or height % self.grid_size):
            raise ValueError(
                f'{_WHERE}: a {height}x{width} map is not a square multiple '
                f'of the {self.grid_size}x{self.grid_size} token grid '
                '(set grid_size=None to convolve it without dilation)')
        return height // self.grid_size

    def forward(self, x: Tensor) -> Tensor:
        """Project a map.

        Args:
            x (Tensor): (B, C, h, w) features, h = w = m * grid_size, any
                floating dtype (cast to the weights' dtype).

        Returns:
            Tensor: (B, D, h, w), unit length over D when ``normalize``.
        """
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'{_WHERE}: expected a (B, {self.in_channels}, '
                             f'h, w) map, got {tuple(x.shape)}')
        x = to_parameter_dtype(x, self, 'x', _WHERE)
        dil = self.dilation(*x.shape[-2:])
        pad = dil * (self.kernel_size // 2)
        if pad:
            if self.padding_mode == 'zeros':
                x = F.pad(x, (pad, ) * 4)
            else:
                x = F.pad(x, (pad, ) * 4, mode=self.padding_mode)
        x = F.conv2d(x, self.fc1.weight, self.fc1.bias, dilation=dil)
        x = self.fc2(self.act(x))
        return F.normalize(x, dim=1) if self.normalize else x
