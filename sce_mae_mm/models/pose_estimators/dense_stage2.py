"""Dense second stage for the baselines CL and LEAD (paper Tables S2/S3).

:class:`DenseStage2` trains a projector on a frozen SCEViT exactly like
:class:`SCEMAEStage2`, but without SCE-MAE's selection: every position of
the last-layer map goes through the projector and a dense objective scores
all of them (SPEC section 7):

* ``CLLoss`` (ContrastLandmark): ``loss(projected_map)``, within one image;
* ``LEADLoss``: ``loss(student_src, student_tgt, teacher_src,
  teacher_tgt)``, the projector (student) matches the similarity
  distributions of the frozen backbone (teacher) from each query location
  of an image to all locations of a second image: another face of the batch
  (``second_view='batch'``, the batch rolled by one; default) or a TPS-warped
  copy of the same face (``second_view='tps'``, DVE's training warp, drawn
  on the fly from torch's generator and applied on the model's device by
  the project's one TPS, ``datasets/transforms/tps_warp.py``).

The neck is the projector container of SCE-MAE (``CARB``, whose inference
forward projects all positions and never splits or clusters), so a
checkpoint of this model has the same ``backbone.`` / ``neck.`` keys as an
SCE-MAE stage-2 checkpoint and loads unchanged into the matching
(``LandmarkMatcher``) and detection configs.
"""
from typing import Dict, Optional, Tuple, Union

import torch
from mmpose.registry import MODELS
from torch import Tensor, nn

from ...datasets.transforms.tps_batch import tps_warp_batch
from .stage2 import SCEMAEStage2

_WHERE = 'DenseStage2'
SECOND_VIEWS = ('batch', 'tps')


@MODELS.register_module()
class DenseStage2(SCEMAEStage2):
    """Frozen SCEViT + projector on all positions + a dense loss.

    Args:
        backbone (dict): backbone config (``SCEViT``); frozen. Its
            ``stride`` sets the training map (8: the 12 x 12 token map;
            2: a 48 x 48 cover-and-stride map, 16 passes per image).
        neck (dict): projector container (``CARB``; only its inference
            forward, i.e. its projector, is used).
        loss (dict): ``CLLoss`` (default) or ``LEADLoss`` (or any loss with
            ``pairwise = True`` and LEAD's call form).
        second_view (str): LEAD's second image, ``'batch'`` (the next face
            of the batch) or ``'tps'`` (a TPS-warped copy).
        tps_args (dict, optional): warp sds and ``multiplier`` of
            ``second_view='tps'`` (``datasets/transforms/tps_batch.py``,
            :func:`tps_warp_batch`); unset keys are
            DVE's training warp (``DVE_TRAINING_WARP``: DVE's sds at
            ``multiplier=0.5``, as its ``Warper`` draws them).
        data_preprocessor (dict, optional): e.g. ``PoseDataPreprocessor``.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 loss: Optional[dict] = None,
                 second_view: str = 'batch',
                 tps_args: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if second_view not in SECOND_VIEWS:
            raise ValueError(f'{_WHERE}: second_view must be one of '
                             f'{SECOND_VIEWS}, got {second_view!r}')
        super().__init__(
            backbone=backbone,
            neck=neck,
            loss=dict(type='CLLoss') if loss is None else loss,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.second_view = second_view
        self.tps_args = dict(tps_args or {})
        name = type(self.loss_module).__name__.lower()
        self.loss_name = 'loss_' + (name[:-4] if name.endswith('loss') else
                                    name)

    def project(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """Frozen backbone map and its projection.

        Args:
            inputs (Tensor): (B, 3, H, W) normalised images.

        Returns:
            tuple[Tensor, Tensor]: backbone map (B, C, h, w) (no gradient)
            and projected map (B, D, h, w).
        """
        with torch.no_grad():
            teacher = self.backbone(inputs)[-1]
        student = self.neck((teacher, ))[-1]
        if getattr(self.neck, 'concat_backbone', False):
            student = student[:, teacher.shape[1]:]
        return teacher, student

    def second_pair(self, inputs: Tensor, teacher: Tensor,
                    student: Tensor) -> Tuple[Tensor, Tensor]:
        """Backbone and projector maps of LEAD's second images.

        Returns:
            tuple[Tensor, Tensor]: (B, C, h, w) and (B, D, h, w).
        """
        if self.second_view == 'batch':
            if inputs.shape[0] < 2:
                raise ValueError(f"{_WHERE}: second_view='batch' pairs each "
                                 'face with another face of the batch; got '
                                 'a batch of 1')
            return teacher.roll(1, dims=0), student.roll(1, dims=0)
        with torch.no_grad():
            warped = tps_warp_batch(inputs, **self.tps_args)
        return self.project(warped)

    def loss(self, inputs: Tensor,
             data_samples: Optional[list] = None) -> Dict[str, Tensor]:
        """Dense loss of a batch.

        Args:
            inputs (Tensor): (B, 3, 96, 96) normalised images.
            data_samples (list, optional): unused (self-supervised).

        Returns:
            dict: ``{'loss_cl': Tensor}`` or ``{'loss_lead': Tensor}`` (the
            loss class name).
        """
        teacher, student = self.project(inputs)
        if getattr(self.loss_module, 'pairwise', False):
            teacher_tgt, student_tgt = self.second_pair(
                inputs, teacher, student)
            value = self.loss_module(student, student_tgt, teacher,
                                     teacher_tgt)
        else:
            value = self.loss_module(student)
        return {self.loss_name: value}
