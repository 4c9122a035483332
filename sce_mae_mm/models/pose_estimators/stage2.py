"""SCE-MAE stage 2: train the projector on a frozen backbone (paper Table S7).

``loss`` mode runs the frozen backbone (no gradients, eval mode) once,
hands its last-layer map and the chosen layer's tokens and CLS attention to
the CARB neck, and scores the selected tokens with the LCR loss. Only the
neck's parameters (the projector) receive gradients. ``predict`` mode
returns the dense descriptors of every image (the projected map, or backbone
and projector channels concatenated when the neck has
``concat_backbone=True``) in ``data_sample.pred_fields.descriptors``.

The layer whose CLS attention makes the attentive split is by default the
layer whose tokens are clustered (the backbone's ``layer_index``);
``attention_layer_index`` reads the split attention from another block (the
paper's "clustering after the third encoder layer" does not say where the
split attention comes from). Tokens and attention come from the backbone's
one entry point, ``SCEViT.forward_tokens``.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import PixelData
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..utils.freeze import freeze_module

_WHERE = 'SCEMAEStage2'


@MODELS.register_module()
class SCEMAEStage2(BaseModel):
    """Frozen ViT backbone + CARB neck + LCR loss.

    Args:
        backbone (dict): backbone config (``SCEViT``); it must offer
            ``forward_tokens(x)`` returning ``last``, ``layer_tokens`` and
            ``cls_attn``. It is frozen here whatever its own settings.
        neck (dict): neck config (``CARB``).
        loss (dict): loss config; called as ``loss(feats, positions,
            attentive, valid)``. Default ``dict(type='LCRLoss')``.
        attention_layer_index (int, optional): 0-based block whose CLS
            attention makes the attentive split; None (default) = the
            backbone's ``layer_index`` (the clustering layer).
        data_preprocessor (dict, optional): e.g.
            ``dict(type='PoseDataPreprocessor', mean=..., std=...)``.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 loss: Optional[dict] = None,
                 attention_layer_index: Optional[int] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if isinstance(data_preprocessor, dict):
            # built in mmpose's registry whatever the current default scope
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck)
        self.loss_module = MODELS.build(
            dict(type='LCRLoss') if loss is None else loss)
        if not hasattr(self.backbone, 'forward_tokens'):
            raise TypeError(f'{_WHERE}: the backbone '
                            f'{type(self.backbone).__name__} has no '
                            'forward_tokens(x) (see docs/architecture.md)')
        self.attention_layer_index = attention_layer_index
        if attention_layer_index is not None:
            check = getattr(self.backbone, 'check_layer_index', None)
            if check is None:
                raise TypeError(f'{_WHERE}: attention_layer_index needs a '
                                'backbone whose forward_tokens takes '
                                'attention_layer_index (SCEViT)')
            check(attention_layer_index, 'attention_layer_index')
        freeze_module(self.backbone)

    def train(self, mode: bool = True) -> 'SCEMAEStage2':
        """Set train mode; the backbone always stays in eval mode."""
        super().train(mode)
        self.backbone.eval()
        return self

    def init_weights(self) -> None:
        """Initialise, then make sure the backbone is still frozen."""
        super().init_weights()
        freeze_module(self.backbone)

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], list,
                                               Tensor]:
        """Dispatch on ``mode``.

        Args:
            inputs (Tensor): (B, 3, H, W) normalised images.
            data_samples (list, optional): mmpose ``PoseDataSample`` s.
            mode (str): ``'loss'`` -> dict of losses; ``'predict'`` ->
                data samples with ``pred_fields.descriptors`` (D', h, w);
                ``'tensor'`` -> the (B, D', h, w) descriptor map.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs)[0]
        raise ValueError(f"{_WHERE}: mode must be 'loss', 'predict' or "
                         f"'tensor', got {mode!r}")

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor]:
        """Dense descriptors: frozen backbone map through the neck.

        Args:
            inputs (Tensor): (B, 3, H, W) normalised images.

        Returns:
            tuple[Tensor]: ``((B, D', h, w),)``.
        """
        with torch.no_grad():
            feats = self.backbone(inputs)
        return self.neck(feats)

    def loss(self, inputs: Tensor,
             data_samples: Optional[list] = None) -> Dict[str, Tensor]:
        """LCR loss of a batch.

        Args:
            inputs (Tensor): (B, 3, 96, 96) normalised images.
            data_samples (list, optional): unused (self-supervised).

        Returns:
            dict: ``{'loss_lcr': Tensor}``.
        """
        with torch.no_grad():
            out = self.backbone_features(inputs)
        selected = self.neck.forward_train(out['last'], out['layer_tokens'],
                                           out['cls_attn'])
        loss = self.loss_module(selected['feats'], selected['positions'],
                                selected['attentive'], selected['valid'])
        return dict(loss_lcr=loss)

    def backbone_features(self, inputs: Tensor) -> Dict[str, Tensor]:
        """The backbone's ``forward_tokens``, with the split attention of
        ``attention_layer_index`` when set.

        Returns:
            dict: ``last`` (B, C, 12, 12), ``layer_tokens`` (B, N, C),
            ``cls_attn`` (B, N).
        """
        if self.attention_layer_index is None:
            return self.backbone.forward_tokens(inputs)
        return self.backbone.forward_tokens(
            inputs, attention_layer_index=self.attention_layer_index)

    def predict(self, inputs: Tensor,
                data_samples: Optional[Sequence] = None) -> List:
        """Dense descriptors of every image.

        Args:
            inputs (Tensor): (B, 3, H, W) normalised images.
            data_samples (list, optional): data samples to fill; new
                ``PoseDataSample`` s are made when None.

        Returns:
            list: data samples with ``pred_fields.descriptors`` (D', h, w).
        """
        descriptors = self.extract_feat(inputs)[0]
        if data_samples is None:
            from mmpose.structures import PoseDataSample
            data_samples = [PoseDataSample() for _ in range(len(inputs))]
        for sample, desc in zip(data_samples, descriptors):
            sample.pred_fields = PixelData(descriptors=desc)
        return list(data_samples)
