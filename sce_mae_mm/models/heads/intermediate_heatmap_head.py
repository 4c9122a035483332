"""The paper's landmark regressor (DVE/CL protocol, SPEC §4, Table 2).

Frozen dense features -> a conv block -> ``I`` intermediate heatmaps per
landmark -> spatial softmax -> soft-argmax (one (x, y) per intermediate map) ->
a bias-free linear map per landmark from its ``2 I`` numbers to its (x, y).
Coordinates are normalised to [0, 1] of the network input (mmpose's
``RegressionLabel`` codec), trained with smooth-L1 on ``coord_scale`` times
the normalised coordinates.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmpose.evaluation.functional import keypoint_pck_accuracy
from mmpose.models.heads.base_head import BaseHead
from mmpose.models.utils.tta import flip_coordinates
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import (ConfigType, OptConfigType, OptSampleList,
                                 Predictions)
from torch import Tensor

_WHERE = 'IntermediateHeatmapHead'


def heatmap_grid(height: int,
                 width: int,
                 input_size: Tuple[int, int],
                 device: Optional[torch.device] = None,
                 dtype: torch.dtype = torch.float32) -> Tensor:
    """Normalised input coordinates of the cells of a heatmap.

    The map covers the input exactly (``align_corners=False``): cell ``j`` of
    a ``w``-wide map over a ``W``-px input has its centre at pixel
    ``(j + 0.5) W / w - 0.5`` (pixel ``i`` centred at ``i``, mmpose's
    convention), divided by ``W`` as in mmpose's ``RegressionLabel``.
    For a cover-and-stride map this is the centre of the cell's patch.

    Args:
        height (int): map height h.
        width (int): map width w.
        input_size (tuple[int, int]): (W, H) of the network input.

    Returns:
        Tensor: (h * w, 2) normalised (x, y), row-major cell order.
    """
    in_w, in_h = input_size
    xs = ((torch.arange(width, device=device, dtype=dtype) + 0.5) * in_w /
          width - 0.5) / in_w
    ys = ((torch.arange(height, device=device, dtype=dtype) + 0.5) * in_h /
          height - 0.5) / in_h
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing='ij')
    return torch.stack([grid_x, grid_y], dim=-1).reshape(-1, 2)


def soft_argmax(heatmaps: Tensor,
                input_size: Optional[Tuple[int, int]] = None,
                beta: float = 1.0) -> Tensor:
    """Spatial softmax followed by the expected cell position.

    Args:
        heatmaps (Tensor): (B, M, h, w) heatmap logits.
        input_size (tuple[int, int], optional): (W, H) of the network input;
            default (w, h), i.e. coordinates of the map itself.
        beta (float): inverse temperature of the softmax.

    Returns:
        Tensor: (B, M, 2) expected (x, y), normalised by the input size
        (see :func:`heatmap_grid`).
    """
    if heatmaps.dim() != 4:
        raise ValueError(f'soft_argmax: expected (B, M, h, w) heatmaps, got '
                         f'{tuple(heatmaps.shape)}')
    height, width = heatmaps.shape[-2:]
    if input_size is None:
        input_size = (width, height)
    prob = (beta * heatmaps.flatten(2)).softmax(dim=-1)  # (B, M, h*w)
    grid = heatmap_grid(height, width, input_size, heatmaps.device,
                        heatmaps.dtype)
    return prob @ grid


def _conv_block(in_channels: int, hidden_channels: Sequence[int],
                out_channels: int, kernel_size: int) -> nn.Sequential:
    """Hidden (conv, BN, ReLU) layers, then a bias-free 1x1 conv."""
    layers = []
    for channels in hidden_channels:
        layers += [
            nn.Conv2d(
                in_channels,
                channels,
                kernel_size,
                padding=kernel_size // 2,
                bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True)
        ]
        in_channels = channels
    layers.append(nn.Conv2d(in_channels, out_channels, 1, bias=False))
    return nn.Sequential(*layers)


@MODELS.register_module()
class IntermediateHeatmapHead(BaseHead):
    """Intermediate-heatmap landmark regressor (DVE / CL / SCE-MAE).

    Args:
        in_channels (int): channels of the input map (backbone + projector).
        num_keypoints (int): landmarks K.
        num_intermediate (int): intermediate heatmaps per landmark (50).
        hidden_channels (Sequence[int]): widths of (conv, BN, ReLU) layers
            before the final 1x1 conv: the paper's "convolution block" with
            all annotations (the full-annotation configs use two 3x3
            layers of 256); default none, DVE's single 1x1 conv (the
            limited-annotation configs).
        kernel_size (int): kernel of the hidden convs.
        beta (float): inverse temperature of the spatial softmax (DVE's
            ``softargmax_mul``: 100 in DVE's face configs and CL's
            ``eval_face.py``). With a small beta the maps stay nearly
            uniform and the head only learns the mean shape.
        coord_scale (float): the loss compares ``coord_scale`` times the
            normalised coordinates (10, DVE/CL).
        input_size (tuple[int, int], optional): (W, H) of the network input;
            default the decoder's ``input_size``.
        loss (dict): mmpose loss config, called as
            ``loss(pred, target, weight)`` on (B, K, 2) coordinates.
        decoder (dict): codec config, default
            ``RegressionLabel(input_size=(96, 96))``.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 num_keypoints: int,
                 num_intermediate: int = 50,
                 hidden_channels: Sequence[int] = (),
                 kernel_size: int = 3,
                 beta: float = 100.0,
                 coord_scale: float = 10.0,
                 input_size: Optional[Tuple[int, int]] = None,
                 loss: ConfigType = dict(
                     type='SmoothL1Loss', use_target_weight=True),
                 decoder: OptConfigType = dict(
                     type='RegressionLabel', input_size=(96, 96)),
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg)
        if num_keypoints < 1 or num_intermediate < 1:
            raise ValueError(f'{_WHERE}: num_keypoints and num_intermediate '
                             f'must be positive, got {num_keypoints} and '
                             f'{num_intermediate}')
        self.in_channels = in_channels
        self.num_keypoints = num_keypoints
        self.num_intermediate = num_intermediate
        self.beta = beta
        self.coord_scale = coord_scale
        self.loss_module = MODELS.build(loss)
        self.decoder = (
            KEYPOINT_CODECS.build(decoder) if decoder is not None else None)
        if input_size is None:
            input_size = getattr(self.decoder, 'input_size', None)
        if input_size is None:
            raise ValueError(f'{_WHERE}: give input_size or a decoder with '
                             'an input_size')
        self.input_size = (int(input_size[0]), int(input_size[1]))

        self.conv = _conv_block(in_channels, hidden_channels,
                                num_keypoints * num_intermediate, kernel_size)
        # per-landmark bias-free linear map: (I * 2) -> 2, initialised to the
        # mean of the landmark's intermediate points
        weight = torch.zeros(num_keypoints, 2, num_intermediate, 2)
        weight[:, 0, :, 0] = 1.0 / num_intermediate
        weight[:, 1, :, 1] = 1.0 / num_intermediate
        self.linear_weight = nn.Parameter(
            weight.reshape(num_keypoints, 2, num_intermediate * 2))

    def intermediate_points(self, feats: Tuple[Tensor]) -> Tensor:
        """Soft-argmax points of the intermediate heatmaps.

        Args:
            feats (tuple[Tensor]): the last entry (B, C, h, w) is used.

        Returns:
            Tensor: (B, K, I, 2) normalised (x, y).
        """
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'{_WHERE}: expected a (B, {self.in_channels}, '
                             f'h, w) map, got {tuple(x.shape)}')
        heatmaps = self.conv(x)  # (B, K * I, h, w), bf16 under autocast
        with torch.autocast(heatmaps.device.type, enabled=False):
            # fp32: bf16's 8-bit mantissa would round the expected
            # positions to ~0.4 % of the input size
            points = soft_argmax(heatmaps.float(), self.input_size,
                                 self.beta)
        return points.reshape(x.shape[0], self.num_keypoints,
                              self.num_intermediate, 2)

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        """Regress landmark coordinates.

        Args:
            feats (tuple[Tensor]): the last entry (B, C, h, w) is used.

        Returns:
            Tensor: (B, K, 2) (x, y) normalised to [0, 1] of the input size.
        """
        points = self.intermediate_points(feats).flatten(2)  # (B, K, 2I)
        with torch.autocast(points.device.type, enabled=False):
            return torch.einsum('bkm,kdm->bkd', points,
                                self.linear_weight.float())

    def predict(self,
                feats: Union[Tuple[Tensor], Sequence[Tuple[Tensor]]],
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Predictions:
        """Predict landmarks in the input frame (mmpose decodes them).

        With ``test_cfg.flip_test`` ``feats`` is ``[feats, feats_flipped]``
        (as built by ``TopdownPoseEstimator``) and the two are averaged.

        Returns:
            list[InstanceData]: per image ``keypoints`` (1, K, 2) in input
            pixels and ``keypoint_scores`` (1, K).
        """
        if test_cfg.get('flip_test', False):
            meta = batch_data_samples[0].metainfo
            feats_orig, feats_flip = feats
            coords = self.forward(feats_orig)
            coords_flip = flip_coordinates(
                self.forward(feats_flip),
                flip_indices=meta['flip_indices'],
                shift_coords=test_cfg.get('shift_coords', True),
                input_size=meta['input_size'])
            coords = (coords + coords_flip) * 0.5
        else:
            coords = self.forward(feats)
        return self.decode(coords.unsqueeze(1))  # input (B, 1, K, 2)

    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """Smooth-L1 on ``coord_scale`` times the normalised coordinates.

        The data samples need ``gt_instance_labels.keypoint_labels`` (1, K, 2)
        and ``keypoint_weights`` (1, K) from ``RegressionLabel``
        (``GenerateTarget`` in the pipeline).

        Returns:
            dict: ``loss_kpt`` and ``acc_pose`` (PCK@0.05 of the input size).
        """
        pred = self.forward(feats)
        try:
            labels = torch.cat([
                d.gt_instance_labels.keypoint_labels
                for d in batch_data_samples
            ])
            weights = torch.cat([
                d.gt_instance_labels.keypoint_weights
                for d in batch_data_samples
            ])
        except AttributeError as err:
            raise KeyError(
                f'{_WHERE}: the data samples lack gt_instance_labels.'
                'keypoint_labels/keypoint_weights; add GenerateTarget with '
                'a RegressionLabel encoder to the train pipeline') from err
        labels = labels.to(pred)
        weights = weights.to(pred)
        if labels.shape != pred.shape:
            raise ValueError(f'{_WHERE}: keypoint_labels of shape '
                             f'{tuple(labels.shape)} do not match the '
                             f'predictions {tuple(pred.shape)}')
        scale = self.coord_scale
        loss = self.loss_module(pred * scale, labels * scale, weights)
        _, acc, _ = keypoint_pck_accuracy(
            pred=to_numpy(pred),
            gt=to_numpy(labels),
            mask=to_numpy(weights) > 0,
            thr=0.05,
            norm_factor=np.ones((pred.shape[0], 2), dtype=np.float32))
        return dict(
            loss_kpt=loss, acc_pose=torch.tensor(acc, device=pred.device))
