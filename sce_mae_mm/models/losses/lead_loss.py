"""LEAD's second-stage objective (Karmali et al., WACV 2022; SPEC section 7).

LEAD distils the correspondences of the frozen first-stage features into a
light projector. For a query location ``i`` of a first image and every
location ``j`` of a second image, the *teacher* (frozen backbone features
``t``) and the *student* (projector features ``s``) each give a similarity
distribution; the student's is trained to match the teacher's::

    p_T(j | i) = softmax_j(cos(t_src_i, t_tgt_j) / tau_teacher)
    p_S(j | i) = softmax_j(cos(s_src_i, s_tgt_j) / tau_student)
    L          = mean_{b, i} KL(p_T(. | i) || p_S(. | i))
               = mean_{b, i} sum_j p_T (log p_T - log p_S)

No public code of LEAD's second stage exists; this is our implementation
from the paper's description. Our choices (all options of
:class:`LEADLoss` or of :class:`DenseStage2`):

* similarities are cosine similarities of both feature sets (the teacher's
  backbone features are not unit length);
* the teacher side carries no gradient (it is frozen in LEAD);
* ``tau_teacher = 0.05`` < ``tau_student = 0.1``: a sharper target (the
  paper gives no values);
* the divergence is taken in one direction, KL(teacher || student), and
  averaged over all query locations of all images (no query selection);
* the second image is another face of the batch (batch rolled by one) by
  default, or a TPS-warped copy of the same face (``DenseStage2``'s
  ``second_view``).
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn

from ...dtypes import at_least_float32, autocast_off, check_floating

_WHERE = 'lead_loss'


def _as_tokens(x: Tensor, name: str) -> Tensor:
    """(B, C, h, w) map or (B, N, C) tokens -> unit (B, N, C) tokens, in
    at least float32."""
    x = at_least_float32(check_floating(x, name, _WHERE))
    if x.dim() == 4:
        x = x.flatten(2).transpose(1, 2)
    elif x.dim() != 3:
        raise ValueError(f'lead_loss: expected {name} as a '
                         f'(B, C, h, w) map or (B, N, C) tokens, got '
                         f'{tuple(x.shape)}')
    return F.normalize(x, dim=-1)


def similarity_log_distribution(src: Tensor, tgt: Tensor,
                                tau: float) -> Tensor:
    """Log of the query-to-all-locations similarity distribution.

    Args:
        src (Tensor): (B, N, C) unit query features (first image).
        tgt (Tensor): (B, M, C) unit features of the second image.
        tau (float): temperature.

    Returns:
        Tensor: (B, N, M), ``log softmax_j(<src_i, tgt_j> / tau)``.
    """
    logits = torch.einsum('bnc,bmc->bnm', src, tgt) / tau
    return logits.log_softmax(dim=-1)


def _check_pairs(student: Tuple[Tensor, Tensor],
                 teacher: Tuple[Tensor, Tensor]) -> None:
    s_src, s_tgt = student
    t_src, t_tgt = teacher
    if s_src.shape[:2] != t_src.shape[:2] or s_tgt.shape[:2] != t_tgt.shape[
            :2] or s_src.shape[0] != s_tgt.shape[0]:
        raise ValueError(
            f'lead_loss: student and teacher must have the same '
            'batch and locations per image; got student '
            f'{tuple(s_src.shape)} -> {tuple(s_tgt.shape)}, teacher '
            f'{tuple(t_src.shape)} -> {tuple(t_tgt.shape)} (as tokens)')


@autocast_off
def lead_loss(student_src: Tensor,
              student_tgt: Tensor,
              teacher_src: Tensor,
              teacher_tgt: Tensor,
              tau_student: float = 0.1,
              tau_teacher: float = 0.05) -> Tensor:
    """KL(teacher || student) of query-to-all-locations distributions.

    Args:
        student_src (Tensor): (B, D, h, w) projector map of the first image
            (or (B, N, D) tokens).
        student_tgt (Tensor): (B, D, h', w') projector map of the second
            image (or (B, M, D)).
        teacher_src (Tensor): (B, C, h, w) frozen backbone map of the first
            image (or (B, N, C)); no gradient flows into it.
        teacher_tgt (Tensor): (B, C, h', w') backbone map of the second
            image (or (B, M, C)).
        tau_student (float): student temperature.
        tau_teacher (float): teacher temperature.

    Returns:
        Tensor: scalar, ``mean_{b,i} sum_j p_T (log p_T - log p_S)``, in
        the student's dtype promoted with the teacher's (float32 for
        float16 / bfloat16 maps).
    """
    if tau_student <= 0 or tau_teacher <= 0:
        raise ValueError(f'lead_loss: temperatures must be '
                         f'positive, got {tau_student} and {tau_teacher}')
    s_src = _as_tokens(student_src, 'student_src')
    s_tgt = _as_tokens(student_tgt, 'student_tgt')
    t_src = _as_tokens(teacher_src, 'teacher_src')
    t_tgt = _as_tokens(teacher_tgt, 'teacher_tgt')
    _check_pairs((s_src, s_tgt), (t_src, t_tgt))
    with torch.no_grad():
        log_target = similarity_log_distribution(t_src.detach(),
                                                 t_tgt.detach(), tau_teacher)
    log_student = similarity_log_distribution(s_src, s_tgt, tau_student)
    kl = (log_target.exp() * (log_target - log_student)).sum(-1)  # (B, N)
    return kl.mean()


@MODELS.register_module()
class LEADLoss(nn.Module):
    """LEAD's distribution-alignment loss (see :func:`lead_loss`).

    ``pairwise = True`` tells :class:`DenseStage2` to call it as
    ``loss(student_src, student_tgt, teacher_src, teacher_tgt)``.

    Args:
        tau_student (float): temperature of the projector's softmax.
        tau_teacher (float): temperature of the backbone's softmax.
        loss_weight (float): multiplier of the loss.
    """

    pairwise = True

    def __init__(self,
                 tau_student: float = 0.1,
                 tau_teacher: float = 0.05,
                 loss_weight: float = 1.) -> None:
        super().__init__()
        if tau_student <= 0 or tau_teacher <= 0:
            raise ValueError(f'LEADLoss: temperatures must be '
                             f'positive, got {tau_student} and '
                             f'{tau_teacher}')
        self.tau_student = tau_student
        self.tau_teacher = tau_teacher
        self.loss_weight = loss_weight

    def forward(self, student_src: Tensor, student_tgt: Tensor,
                teacher_src: Tensor, teacher_tgt: Tensor) -> Tensor:
        """Weighted loss; shapes as in :func:`lead_loss`.

        Returns:
            Tensor: scalar loss times ``loss_weight``.
        """
        loss = lead_loss(student_src, student_tgt, teacher_src, teacher_tgt,
                         self.tau_student, self.tau_teacher)
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (f'tau_student={self.tau_student}, '
                f'tau_teacher={self.tau_teacher}, '
                f'loss_weight={self.loss_weight}')
