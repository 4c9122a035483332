"""Refuse a second training run on a work dir a live run holds."""
from mmengine.hooks import Hook
from mmpose.registry import HOOKS

from ..work_dir_lock import holds_work_dir, lock_work_dir, unlock_work_dir


@HOOKS.register_module()
class WorkDirLockHook(Hook):
    """Lock the work dir for the length of ``runner.train()`` (rank 0).

    ``tools/train.py`` takes the lock before it builds the runner (so a
    refused run writes nothing); this hook covers runners built otherwise.
    Evaluation runs do not lock: a checkpoint can be tested while training
    goes on. See :mod:`sce_mae_mm.engine.work_dir_lock`.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._taken = False

    def before_train(self, runner) -> None:
        if runner.rank != 0 or holds_work_dir(runner.work_dir):
            return
        lock_work_dir(runner.work_dir)
        self._taken = True

    def after_train(self, runner) -> None:
        if self._taken:
            unlock_work_dir(runner.work_dir)
            self._taken = False
