"""The project's Runner: checkpoints that fit, atomic saves, exact resumes.

``configs/_base_/default_runtime.py`` sets ``runner_type = 'SCEMAERunner'``
and ``tools/train.py`` / ``tools/test.py`` build it. Compared with
mmengine's ``Runner`` it

* reads every checkpoint through :func:`sce_mae_mm.checkpoint.read_checkpoint`
  (a truncated file is an error that names it) and refuses one that does not
  fit the model (:func:`~sce_mae_mm.checkpoint.check_checkpoint_fits`):
  evaluation needs every part the model uses (``model.checkpoint_parts()``,
  default all keys), a resume needs every key, ``load_from`` for training
  needs the frozen parts;
* ``--resume`` with nothing to resume says so and trains from scratch; a
  ``last_checkpoint`` naming a missing file is an error, and so is a bare
  state dict (no ``meta``: not a resume point; the message names the file);
* writes checkpoints to a temporary name and renames them when complete, so
  a full disk never leaves a truncated ``epoch_N.pth``; the error names the
  path, and a full disk says so with the size being written
  (:func:`sce_mae_mm.fileio.safe_write.save_atomic`);
* splits mmpretrain attention's q/k/v with one ``unbind`` (same values, a
  cheaper backward: :mod:`.attention_qkv`);
* routes attention through the fast path under CPU bf16 (``--amp``) and,
  when it trains with ``CPUBf16OptimWrapper``, sets the model up for it
  (:func:`.amp.prepare_cpu_bf16`: fp32 losses, channels-last weights) once
  the weights are initialised and loaded, before the first step, and logs
  it;
* trains epoch-based configs with :class:`ResumableEpochBasedTrainLoop`
  (a mid-epoch resume continues at the next batch).
"""
import copy
import os.path as osp
from typing import Callable, Dict, Optional, Union

from mmengine.dist import master_only
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import find_latest_checkpoint
from mmpose.registry import RUNNERS

from ..checkpoint import (CheckpointError, check_checkpoint_fits,
                          checkpoint_state_dict, frozen_parts, read_checkpoint,
                          required_parts)
from ..fileio.safe_write import save_atomic, tensor_bytes
from .amp import CPUBf16OptimWrapper, install_fast_attention, prepare_cpu_bf16
from .attention_qkv import install_qkv_unbind


@RUNNERS.register_module()
class SCEMAERunner(Runner):
    """mmengine ``Runner`` with the checks above; same arguments."""

    _load_purpose = 'train'

    # ------------------------------------------------------------ model
    def build_model(self, model):
        """mmengine's, then the attention cores routed to the explicit
        path under CPU bf16 (:func:`.amp.install_fast_attention`; fp32 and
        GPU runs keep torch's SDPA) and q/k/v split by one ``unbind``
        (:func:`.attention_qkv.install_qkv_unbind`: same values, a cheaper
        backward)."""
        model = super().build_model(model)
        install_fast_attention(model)
        install_qkv_unbind(model)
        return model

    # ------------------------------------------------------------ loops
    def build_train_loop(self, loop):
        """Epoch-based loops become :class:`ResumableEpochBasedTrainLoop`."""
        if isinstance(loop, dict):
            loop = copy.deepcopy(loop)
            kind = loop.get('type')
            if kind in ('EpochBasedTrainLoop', 'mmengine.EpochBasedTrainLoop'
                        ) or (kind is None and loop.get('by_epoch')):
                loop.pop('by_epoch', None)
                loop['type'] = 'ResumableEpochBasedTrainLoop'
        return super().build_train_loop(loop)

    def train(self):
        self._load_purpose = 'train'
        return super().train()

    def val(self) -> dict:
        self._load_purpose = 'evaluation'
        return super().val()

    def test(self) -> dict:
        self._load_purpose = 'evaluation'
        return super().test()

    # ------------------------------------------------------- checkpoints
    def load_or_resume(self) -> None:
        """As mmengine's, but an auto-resume with no checkpoint says so;
        then the CPU bf16 set-up (the last step before training runs)."""
        self._load_or_resume()
        self._prepare_precision()

    def _prepare_precision(self) -> None:
        """:func:`.amp.prepare_cpu_bf16` when training with
        ``CPUBf16OptimWrapper`` (after the weights are final: a random
        init of a channels-last tensor draws other values)."""
        if not isinstance(self.optim_wrapper, CPUBf16OptimWrapper):
            return
        model = self.model.module if is_model_wrapper(self.model) else (
            self.model)
        if getattr(model, '_sce_mae_bf16_ready', False):
            return
        counts = prepare_cpu_bf16(model)
        self.logger.info(
            f'CPU bf16 training: {counts["fp32_losses"]} loss modules run '
            f'in fp32, {counts["attention"]} attention cores take the '
            'explicit path, weights in channels-last layout')

    def _load_or_resume(self) -> None:
        if self._has_loaded:
            return None
        if self._resume and self._load_from is None:
            latest = find_latest_checkpoint(self.work_dir)
            if latest is None:
                self.logger.warning(
                    f'--resume: nothing to resume in {self.work_dir} (no '
                    '`last_checkpoint` file there); training starts from '
                    'scratch')
                self._resume = False
                return None
            if '://' not in latest and not osp.isfile(latest):
                raise FileNotFoundError(
                    f'--resume: {osp.join(self.work_dir, "last_checkpoint")}'
                    f' names {latest}, which does not exist; pass the '
                    'checkpoint to resume from: --resume PATH')
            self.logger.info(f'Auto resumed from the latest checkpoint '
                             f'{latest}.')
            self._load_from = latest
        return super().load_or_resume()

    def resume(self, filename: str, *args, **kwargs) -> None:
        """Resume; the checkpoint must hold every tensor of the model."""
        purpose, self._load_purpose = self._load_purpose, 'resume'
        try:
            super().resume(filename, *args, **kwargs)
        finally:
            self._load_purpose = purpose

    def load_checkpoint(self,
                        filename: str,
                        map_location: Union[str, Callable] = 'cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]) -> Dict:
        """Read, check the fit (see module doc) and load a checkpoint."""
        checkpoint = read_checkpoint(filename, map_location=map_location)
        if self._load_purpose == 'resume' and 'meta' not in checkpoint:
            raise CheckpointError(
                f'--resume: checkpoint {filename} holds no "meta": it is '
                'a bare state dict (keys '
                f'{sorted(checkpoint)[:4]}), not a resume point; expected '
                'a runner checkpoint with "meta" (epoch_N.pth / iter_N.pth '
                'written by tools/train.py). To start training from these '
                f'weights instead: --cfg-options load_from={filename}')
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else (
            self.model)
        state = checkpoint_state_dict(checkpoint, revise_keys)
        if strict or self._load_purpose == 'resume':
            required = None
        elif self._load_purpose == 'evaluation':
            required = required_parts(model)
        else:
            required = frozen_parts(model)
        where = f'the {self._load_purpose} model of ' + (
            self.cfg.filename or self.experiment_name)
        missing = check_checkpoint_fits(model, state, filename, required,
                                        where)
        result = model.load_state_dict(state, strict=False)
        if missing:
            self.logger.info(f'{filename}: not in the checkpoint, left as '
                             f'initialised: {missing}')
        if result.unexpected_keys:
            self.logger.warning(f'{filename}: checkpoint keys the model does '
                                f'not have (ignored): '
                                f'{result.unexpected_keys}')
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    @master_only
    def save_checkpoint(self,
                        out_dir: str,
                        filename: str,
                        file_client_args: Optional[dict] = None,
                        *args,
                        **kwargs) -> None:
        """Write to ``<filename>.tmp-<pid>``, then rename (local dirs)."""
        if file_client_args is not None or '://' in str(out_dir):
            return super().save_checkpoint(out_dir, filename,
                                           file_client_args, *args, **kwargs)
        model = self.model.module if is_model_wrapper(self.model) else (
            self.model)
        wrapper = getattr(self, 'optim_wrapper', None)

        def size() -> int:  # model + optimizer tensors: a lower bound
            parts = [model.state_dict()]
            if hasattr(wrapper, 'state_dict'):
                parts.append(wrapper.state_dict())
            return tensor_bytes(parts)

        save = super().save_checkpoint

        def write(tmp: str) -> None:
            save(out_dir, osp.basename(tmp), None, *args, **kwargs)

        save_atomic(osp.join(out_dir, filename), write, 'checkpoint ', size)
