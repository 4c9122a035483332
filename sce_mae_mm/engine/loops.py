"""An epoch-based train loop that resumes mid-epoch where it stopped.

mmengine's ``EpochBasedTrainLoop`` restarts the interrupted epoch from its
first batch after ``--resume`` from a by-iteration checkpoint, so the resumed
run trains more iterations, on other batches, than an uninterrupted one.
"""
from typing import Any, Dict, Optional

from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop
from mmpose.registry import LOOPS

from .hooks.rng_state_hook import restore_rng_state


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` that skips the batches already trained.

    After a resume at iteration ``i`` of epoch ``e`` the first
    ``i - e * len(dataloader)`` batches of the epoch are drawn (through the
    same sampler and workers, so every later batch is the one the
    uninterrupted run saw) and dropped; then the RNG state saved with the
    checkpoint (``resume_rng_state``, set by ``RNGStateHook``) is restored
    and training continues. Arguments as ``EpochBasedTrainLoop``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.resume_rng_state: Optional[Dict[str, Any]] = None

    def run_epoch(self) -> None:
        """Iterate one epoch, skipping the batches trained before a resume."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        done = self._iter - self._epoch * len(self.dataloader)
        iterator = iter(self.dataloader)
        if done > 0:
            print_log(f'resuming epoch {self._epoch + 1} at batch {done + 1}'
                      f'/{len(self.dataloader)}: skipping {done} batches '
                      'already trained', logger='current')
            for _ in range(done):
                next(iterator)
        if self.resume_rng_state is not None:
            if done > 0:
                restore_rng_state(self.resume_rng_state)
            self.resume_rng_state = None
        for idx, data_batch in enumerate(iterator, start=max(done, 0)):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
