"""Test-only hooks for the reliability tests (imported by the configs)."""
import os
import signal

from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module(force=True)
class SigkillAtIterHook(Hook):
    """SIGKILL the training process after iteration ``at`` (1-based), after
    every other hook of that iteration (the checkpoint hook included)."""

    priority = 'LOWEST'

    def __init__(self, at: int) -> None:
        self.at = at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == self.at:
            os.kill(os.getpid(), signal.SIGKILL)
