"""One stage-1 training step on a fixed batch, as the Runner would run it,
with the implementation choices the speed benchmark compares.

:func:`build_step` builds the config's model (``arch`` widths), its
optimiser wrapper and a seeded uint8 batch, and returns a closure running
``model.train_step`` (data preprocessor, forward, backward, optimiser
step). ``precision``: ``fp32``; ``bf16`` (CPU: ``CPUBf16OptimWrapper`` and
``prepare_cpu_bf16``, as ``tools/train.py --amp``; CUDA: mmengine's
``AmpOptimWrapper`` in bf16). ``optimizer``: ``config`` (the config's
constructor: on the project's configs one AdamW group per parameter),
``grouped`` (the groups with equal settings merged before step one: same
update), ``foreach`` (grouped, torch's multi-tensor AdamW: same update) or
``fused`` (grouped, torch's fused AdamW kernel: rounds differently).
``hooks``: changes applied to the model before its optimiser is built
(:data:`HOOKS`).
"""
from typing import Callable, Dict, List, Sequence

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

from .speed_cases import build_ours, uint8_images

OPTIMIZERS = ('config', 'grouped', 'foreach', 'fused')
PRECISIONS = ('fp32', 'bf16')


def _qkv_unbind(model: torch.nn.Module) -> None:
    from ..engine import install_qkv_unbind
    install_qkv_unbind(model)


def _explicit_attention(model: torch.nn.Module) -> None:
    from ..engine.amp import _explicit_attention as core
    for module in model.modules():
        if 'scaled_dot_product_attention' in module.__dict__:
            module.scaled_dot_product_attention = core


#: model changes by name: ``qkv_unbind`` (what ``SCEMAERunner`` installs:
#: same values), ``explicit_attention`` (q·kᵀ / softmax / ·v instead of
#: torch's SDPA in every precision: rounds differently)
HOOKS: Dict[str, Callable[[torch.nn.Module], None]] = dict(
    qkv_unbind=_qkv_unbind, explicit_attention=_explicit_attention)


def merge_param_groups(groups: List[dict]) -> List[dict]:
    """Parameter groups with equal settings (every key but ``params``)
    merged, in the order of their first member."""
    merged: Dict[tuple, dict] = {}
    for group in groups:
        key = tuple(sorted((k, repr(v)) for k, v in group.items()
                           if k != 'params'))
        if key in merged:
            merged[key]['params'].extend(group['params'])
        else:
            merged[key] = dict(group, params=list(group['params']))
    return list(merged.values())


def wrapper_cfg(cfg: Config, device: torch.device, precision: str,
                optimizer: str) -> Dict:
    """The config's ``optim_wrapper`` with the chosen variants."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f'optimizer must be one of {OPTIMIZERS}, got '
                         f'{optimizer!r}')
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got '
                         f'{precision!r}')
    wcfg = cfg.optim_wrapper.copy()
    if precision == 'bf16':
        if device.type == 'cpu':
            wcfg.type = 'CPUBf16OptimWrapper'
        else:
            wcfg.update(type='AmpOptimWrapper', dtype='bfloat16')
    if optimizer in ('foreach', 'fused'):
        wcfg.optimizer = dict(wcfg.optimizer, **{optimizer: True})
    return wcfg


def build_step(cfg: Config, arch: str, batch: int, device: torch.device,
               precision: str = 'fp32', optimizer: str = 'config',
               seed: int = 0, hooks: Sequence[str] = ()
               ) -> Callable[[], dict]:
    """A closure running one training step of a fresh model (weights drawn
    from ``seed``) on a fixed batch (B, 3, S, S) uint8; ``hooks``: names
    of :data:`HOOKS` applied to the model first."""
    torch.manual_seed(seed)
    model = build_ours(cfg, arch).to(device).train()
    for name in hooks:
        HOOKS[name](model)
    wcfg = wrapper_cfg(cfg, device, precision, optimizer)
    wrapper = build_optim_wrapper(model, wcfg)
    if optimizer != 'config':
        opt = wrapper.optimizer
        opt.param_groups[:] = merge_param_groups(opt.param_groups)
    if wcfg.type == 'CPUBf16OptimWrapper':
        from ..engine import prepare_cpu_bf16
        prepare_cpu_bf16(model)  # as SCEMAERunner before step one
    images = uint8_images(batch, cfg.img_size, seed=seed)
    data = dict(inputs=images, data_samples=[DataSample()] * batch)

    def step() -> dict:
        return model.train_step(data, wrapper)

    step.model, step.wrapper = model, wrapper
    return step
