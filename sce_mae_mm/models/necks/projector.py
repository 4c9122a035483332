"""Projector of SCE-MAE's second stage (SPEC section 3.4).

The paper does not describe it; our default is two 1x1 convolutions (hidden
width = backbone width, GELU between them) to ``D`` channels followed by an
L2 normalisation over channels, applied to every position of a map.
"""
from typing import Optional

import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn

from ...dtypes import to_parameter_dtype


@MODELS.register_module()
class Projector(nn.Module):
    """Pointwise MLP + L2 normalisation of a feature map.

    Args:
        in_channels (int): backbone width C.
        out_channels (int): descriptor dimension D (64 / 128 / 256).
        hidden_channels (int, optional): hidden width; default C.
        normalize (bool): L2-normalise the output over channels.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 128,
                 hidden_channels: Optional[int] = None,
                 normalize: bool = True) -> None:
        super().__init__()
        hidden = hidden_channels or in_channels
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.normalize = normalize
        self.fc1 = nn.Conv2d(in_channels, hidden, kernel_size=1)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(hidden, out_channels, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        """Project a map.

        Args:
            x (Tensor): (B, C, h, w) features, any h, w, any floating
                dtype (cast to the weights' dtype).

        Returns:
            Tensor: (B, D, h, w), unit length over D when ``normalize``.
        """
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                'Projector: expected '
                f'a (B, {self.in_channels}, h, w) map, got {tuple(x.shape)}')
        x = to_parameter_dtype(
            x, self, 'x', 'Projector')
        x = self.fc2(self.act(self.fc1(x)))
        return F.normalize(x, dim=1) if self.normalize else x
