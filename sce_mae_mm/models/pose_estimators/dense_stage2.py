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

from ...datasets.transforms.tps_warp import (SD_NAMES, sample_tps_params,
                                             tps_sampling_grid, tps_warp_image)
from .stage2 import SCEMAEStage2

_WHERE = 'DenseStage2'
SECOND_VIEWS = ('batch', 'tps')


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
            ``second_view='tps'`` (:func:`tps_warp_batch`); unset keys are
            DVE's training warp (:data:`DVE_TRAINING_WARP`: DVE's sds at
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
