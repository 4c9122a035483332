"""Learning-curve checkpoints: weights kept at listed epochs.

mmengine's ``CheckpointHook`` keeps the last few ``epoch_N.pth`` (the resume
points). A learning curve needs checkpoints spaced on a log scale of
images seen (epochs 1, 2, 4, 8, …), kept for good: this subclass also
writes the model weights alone (``state_dict`` and ``meta``: epoch,
iteration, images seen) as ``curve_epoch_{N}.pth`` after each listed
epoch, atomically (a full disk is named: ``safe_write``). A resumed run
that already wrote a file skips it.
"""
import os.path as osp
from typing import Optional, Sequence

from mmengine.hooks import CheckpointHook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from ...fileio.safe_write import torch_save_atomic


@HOOKS.register_module()
class CurveCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` (the resume points, same arguments)
    that also keeps ``curve_epoch_{N}.pth`` (weights only) after listed
    epochs.

    Args:
        curve_epochs (Sequence[int]): the epochs (1-based) to keep.
        images_per_epoch (int, optional): written into the meta as
            ``images_seen`` = epoch × images_per_epoch.
        **kwargs: ``CheckpointHook``'s.
    """

    def __init__(self,
                 curve_epochs: Sequence[int] = (),
                 images_per_epoch: Optional[int] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if any(int(e) < 1 for e in curve_epochs):
            raise ValueError(f'CurveCheckpointHook: curve_epochs='
                             f'{curve_epochs!r}: expected positive epochs')
        self.curve_epochs = sorted({int(e) for e in curve_epochs})
        self.images_per_epoch = images_per_epoch

    def after_train_epoch(self, runner) -> None:
        self._save_curve_point(runner)  # before the resume point
        super().after_train_epoch(runner)

    def _save_curve_point(self, runner) -> None:
        epoch = runner.epoch + 1  # runner.epoch: the epoch just trained
        path = osp.join(runner.work_dir, f'curve_epoch_{epoch}.pth')
        if epoch not in self.curve_epochs or osp.isfile(path):
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        meta = dict(epoch=epoch, iter=runner.iter)
        if self.images_per_epoch:
            meta['images_seen'] = epoch * self.images_per_epoch
        torch_save_atomic(dict(state_dict=model.state_dict(), meta=meta),
                          path, 'the learning-curve checkpoint ')
        runner.logger.info(f'learning-curve checkpoint {path} ({meta})')
