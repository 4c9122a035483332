"""Stop training at the first non-finite loss.

With a zero normalisation std or a huge learning rate the loss turns NaN,
mmengine keeps training and checkpoints NaN weights. :class:`NonFiniteLossHook`
checks the losses of every iteration before any later hook runs (the
checkpoint hook included) and raises :class:`NonFiniteLossError`, so nothing
is saved after the bad iteration and the run exits non-zero. A checkpoint
whose weights are not all finite (an update that overflowed after a finite
loss) is refused before it is written.
"""
import math
from typing import Any, Dict, Optional

import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


class NonFiniteLossError(RuntimeError):
    """A training loss became NaN or infinite."""


def _value(value: Any) -> Optional[float]:
    if isinstance(value, torch.Tensor):
        if value.numel() == 0:
            return None
        value = value.detach()
        bad = ~torch.isfinite(value)
        return float(value[bad].flatten()[0]) if bad.any() else float(
            value.flatten()[0])
    if isinstance(value, (int, float)):
        return float(value)
    return None


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise at the first iteration whose losses are not all finite.

    Args:
        interval (int): check every ``interval`` iterations (1: every one;
            each check reads the losses back from the device).
    """

    priority = 'VERY_HIGH'  # before the logger and the checkpoint hooks

    def __init__(self, interval: int = 1) -> None:
        if int(interval) < 1:
            raise ValueError(f'NonFiniteLossHook: interval must be >= 1, '
                             f'got {interval}')
        self.interval = int(interval)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[Dict[str, Any]] = None) -> None:
        if not outputs or (runner.iter + 1) % self.interval:
            return
        bad = {}
        for name, value in outputs.items():
            number = _value(value)
            if number is not None and not math.isfinite(number):
                bad[name] = number
        if not bad:
            return
        last = runner.message_hub.get_info('last_ckpt')
        saved = (f'the last checkpoint is {last}' if last else
                 'no checkpoint was saved')
        raise NonFiniteLossError(
            f'non-finite loss at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}, batch {batch_idx + 1}): ' +
            ', '.join(f'{k} = {v}' for k, v in bad.items()) +
            f'; training stopped, nothing saved after this iteration '
            f'({saved}). Check the data normalisation (a zero std), the '
            'learning rate and the input data.')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Refuse to write weights that are not all finite."""
        bad = [k for k, v in checkpoint.get('state_dict', {}).items()
               if isinstance(v, torch.Tensor) and v.is_floating_point()
               and not torch.isfinite(v).all()]
        if bad:
            raise NonFiniteLossError(
                f'non-finite weights after iteration {runner.iter + 1} '
                f'(epoch {runner.epoch + 1}) in {len(bad)} tensors '
                f'({", ".join(bad[:5])}); training stopped and this '
                'checkpoint was not written')
