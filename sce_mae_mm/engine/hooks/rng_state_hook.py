"""Random-number state in checkpoints, for bit-identical resumed training.

MMEngine checkpoints do not carry the RNG state, and MAE's masking draws
from the global torch RNG, so a run resumed with ``--resume`` diverges from
an uninterrupted one. :class:`RNGStateHook` makes the global RNG streams of a
training run a function of (seed, rank, epoch) and of the work done since:

* ``before_train_epoch``: the torch, numpy and python RNGs are seeded from
  (seed, rank, epoch), so whatever ran between two epochs (validation,
  a resume) does not shift the next epoch's draws;
* ``before_save_checkpoint``: the torch (CPU and CUDA), numpy and python
  states are stored in ``checkpoint['rng_state']``;
* ``after_load_checkpoint``: the stored state is handed to the train loop
  (:class:`ResumableEpochBasedTrainLoop` restores it after skipping the
  batches of the epoch already trained), or restored at the first
  training iteration by other loops.

Data-loader workers are seeded by mmengine from (seed, rank, worker id)
each epoch; the loop replays the skipped batches through them, so their
augmentations match as well (non-persistent workers).
"""
import random
from typing import Any, Dict, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpose.registry import HOOKS

RNG_KEY = 'rng_state'


def capture_rng_state() -> Dict[str, Any]:
    """The global torch (CPU, CUDA), numpy and python RNG states."""
    state = dict(
        torch=torch.get_rng_state(),
        numpy=np.random.get_state(),
        python=random.getstate())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Dict[str, Any]) -> None:
    """Restore a state from :func:`capture_rng_state`."""
    torch.set_rng_state(state['torch'])
    np.random.set_state(tuple(state['numpy']))
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def seed_rng(*key: int) -> int:
    """Seed torch, numpy and python from a key such as (seed, rank, epoch).

    Returns:
        the 32-bit seed used.
    """
    seed = int(np.random.SeedSequence([abs(int(k)) for k in key])
               .generate_state(1)[0])
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return seed


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Per-epoch seeding and RNG state in checkpoints (see module doc).

    Args:
        reseed_each_epoch (bool): seed the RNGs from (seed, rank, epoch) at
            the start of every training epoch. Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, reseed_each_epoch: bool = True) -> None:
        self.reseed_each_epoch = reseed_each_epoch
        self._pending: Optional[Dict[str, Any]] = None

    def before_train_epoch(self, runner) -> None:
        if self.reseed_each_epoch:
            seed_rng(runner.seed, runner.rank, runner.epoch)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[RNG_KEY] = capture_rng_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get(RNG_KEY)
        if state is None:
            return
        loop = getattr(runner, '_train_loop', None)
        if hasattr(loop, 'resume_rng_state'):
            loop.resume_rng_state = state
        else:
            self._pending = state

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Any = None) -> None:
        if self._pending is not None:
            restore_rng_state(self._pending)
            self._pending = None
            print_log('RNGStateHook: restored the RNG state of the '
                      'checkpoint', logger='current')
