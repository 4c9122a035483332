"""bf16 autocast on CPUs: stage 1, stage 2, matching, detection heads.

mmengine's ``AmpOptimWrapper`` refuses a CPU, so ``tools/train.py --amp``
on a CPU uses :class:`CPUBf16OptimWrapper`: the forward runs under
``torch.autocast('cpu', dtype=torch.bfloat16)``, the parameters and the
optimiser state stay fp32 (master weights), and every loss module runs in
fp32 (its inputs are cast up, autocast is off inside it): set up once, in
the open, by :func:`prepare_cpu_bf16` (``SCEMAERunner`` calls it before
the first training step; the wrapper refuses a model that is not set up).
``tools/test.py --amp`` sets ``fp16=True`` on the val/test loops, whose
mmengine ``autocast`` is CPU bf16 on a CPU. On CUDA ``--amp`` keeps mmengine's
behaviour (:func:`apply_amp`).

Under CPU bf16, torch's fused ("flash") attention backward is slow;
:func:`install_fast_attention` routes the attention core of mmpretrain's
``MultiheadAttention`` (and our backbones, which reuse it) through an
explicit q·kᵀ / softmax / ·v when the inputs are bf16 on a CPU, and leaves
every other case on the original call.

:func:`decide_bf16` is what the quick start, the studies and the benchmarks
call once: bf16 is on when the CPU's flags show bf16 matmul units
(AMX-BF16 or AVX512-BF16) and a ~50-ms matmul check measures bf16 at least
``min_speedup`` × fp32.
"""
import contextlib
import functools
import time
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

__all__ = [
    'CPUBf16OptimWrapper', 'apply_amp', 'bf16_autocast', 'cpu_bf16_flags',
    'bf16_matmul_speedup', 'decide_bf16', 'install_fast_attention',
    'install_fp32_losses', 'prepare_cpu_bf16'
]

_BF16_FLAGS = ('amx_bf16', 'avx512_bf16')


# ------------------------------------------------------------- detection
def cpu_bf16_flags(cpuinfo: str = '/proc/cpuinfo') -> List[str]:
    """The bf16 matmul flags this CPU reports (``amx_bf16``,
    ``avx512_bf16``), in that order; empty when none or unreadable."""
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith('flags'):
                    flags = set(line.split(':', 1)[1].split())
                    return [f for f in _BF16_FLAGS if f in flags]
    except OSError:
        pass
    return []


def bf16_matmul_speedup(size: Tuple[int, int, int] = (576, 192, 768),
                        budget_s: float = 0.05) -> float:
    """fp32 time / bf16 time of one (m×k)·(k×n) matmul, on this process's
    threads, interleaved over about ``budget_s`` seconds."""
    m, k, n = size
    a, b = torch.randn(m, k), torch.randn(k, n)
    a16, b16 = a.bfloat16(), b.bfloat16()
    for _ in range(2):  # warm-up (oneDNN picks its kernels)
        a @ b
        a16 @ b16
    times = {'fp32': [], 'bf16': []}
    end = time.perf_counter() + budget_s
    while time.perf_counter() < end or len(times['bf16']) < 3:
        for name, (x, y) in (('fp32', (a, b)), ('bf16', (a16, b16))):
            t = time.perf_counter()
            x @ y
            times[name].append(time.perf_counter() - t)
    return min(times['fp32']) / min(times['bf16'])


@functools.lru_cache(maxsize=None)
def _measured_decision(min_speedup: float) -> Tuple[bool, str]:
    if torch.cuda.is_available():
        return False, ('off (CUDA device: pass --amp for mmengine\'s '
                       'mixed precision)')
    flags = cpu_bf16_flags()
    if not flags:
        return False, 'off (no AMX-BF16 or AVX512-BF16 in the CPU flags)'
    unit = 'AMX' if 'amx_bf16' in flags else 'AVX512-BF16'
    ratio = bf16_matmul_speedup()
    if ratio < min_speedup:
        return False, (f'off ({unit}, but bf16 matmul only {ratio:.1f}× '
                       f'fp32, below {min_speedup:.1f}×)')
    return True, f'on ({unit}, bf16 matmul {ratio:.1f}× fp32)'


def decide_bf16(force_fp32: bool = False,
                min_speedup: float = 1.3,
                verbose: bool = True) -> bool:
    """Whether to run bf16 autocast on this machine, printed once.

    Args:
        force_fp32 (bool): the user's ``--fp32``: always off.
        min_speedup (float): the bf16/fp32 matmul speed-up that turns it on.
        verbose (bool): print ``bf16 autocast: on (AMX, bf16 matmul 5.9×
            fp32)`` (or why it is off).
    """
    if force_fp32:
        on, why = False, 'off (--fp32)'
    else:
        on, why = _measured_decision(min_speedup)
    if verbose:
        print(f'bf16 autocast: {why}', flush=True)
    return on


# ------------------------------------------------------------ attention
def _explicit_attention(query: torch.Tensor,
                        key: torch.Tensor,
                        value: torch.Tensor,
                        attn_mask: Optional[torch.Tensor] = None,
                        dropout_p: float = 0.0,
                        scale: Optional[float] = None,
                        **_) -> torch.Tensor:
    """softmax(q·kᵀ · scale + mask) · v, (B, h, N, d) → (B, h, N, d)."""
    scale = query.shape[-1]**-0.5 if scale is None else scale
    attn = (query * scale) @ key.transpose(-2, -1)  # (B, h, N, N)
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            attn = attn.masked_fill(~attn_mask, float('-inf'))
        else:
            attn = attn + attn_mask
    attn = attn.softmax(dim=-1).to(value.dtype)
    if dropout_p > 0:
        attn = nn.functional.dropout(attn, p=dropout_p)
    return attn @ value


def _cpu_autocast_on() -> bool:
    try:
        return torch.is_autocast_enabled('cpu')
    except TypeError:  # torch < 2.4
        return torch.is_autocast_cpu_enabled()


def _cpu_bf16_aware(original: Callable) -> Callable:
    """``original`` (an SDPA call) unless its inputs are bf16 on a CPU, or
    CPU autocast is on: then the explicit attention core."""

    @functools.wraps(original)
    def sdpa(query, key, value, *args, **kwargs):
        if query.device.type == 'cpu' and (
                query.dtype == torch.bfloat16
                or _cpu_autocast_on()):
            names = ('attn_mask', 'dropout_p', 'is_causal', 'scale')
            kwargs.update(zip(names, args))
            if kwargs.get('is_causal'):
                return original(query, key, value, **kwargs)
            return _explicit_attention(query, key, value, **kwargs)
        return original(query, key, value, *args, **kwargs)

    sdpa._sce_mae_fast = True
    return sdpa


def install_fast_attention(model: nn.Module) -> int:
    """Route every attention core of ``model`` that calls an SDPA function
    held as the module attribute ``scaled_dot_product_attention``
    (mmpretrain's ``MultiheadAttention``) through :func:`_cpu_bf16_aware`.

    Idempotent. Returns the number of modules changed now.
    """
    count = 0
    for module in model.modules():
        fn = module.__dict__.get('scaled_dot_product_attention')
        if callable(fn) and not getattr(fn, '_sce_mae_fast', False):
            module.scaled_dot_product_attention = _cpu_bf16_aware(fn)
            count += 1
    return count


# ---------------------------------------------------------------- losses
def _to_fp32(obj):
    if isinstance(obj, torch.Tensor) and obj.is_floating_point():
        return obj.float()
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_fp32(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _to_fp32(v) for k, v in obj.items()}
    return obj


def _fp32_forward(forward: Callable) -> Callable:

    @functools.wraps(forward)
    def wrapped(*args, **kwargs):
        with torch.autocast('cpu', enabled=False):
            return forward(*_to_fp32(args), **_to_fp32(kwargs))

    wrapped._sce_mae_fp32 = True
    return wrapped


def install_fp32_losses(model: nn.Module) -> int:
    """Run every loss module of ``model`` (class name ending in ``Loss``)
    in fp32 under autocast: its inputs cast up, autocast off inside.

    Idempotent. Returns the number of modules changed now.
    """
    count = 0
    for module in model.modules():
        if type(module).__name__.endswith('Loss') and not getattr(
                module.forward, '_sce_mae_fp32', False):
            module.forward = _fp32_forward(module.forward)
            count += 1
    return count


@contextlib.contextmanager
def bf16_autocast(enabled: bool = True) -> Iterator[None]:
    """``torch.autocast('cpu', dtype=torch.bfloat16)`` (a no-op when not
    ``enabled``)."""
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=enabled):
        yield


# ------------------------------------------------------- bf16 training
def prepare_cpu_bf16(model: nn.Module) -> Dict[str, int]:
    """Set a model up for CPU bf16 training (:class:`CPUBf16OptimWrapper`).

    Every loss module runs in fp32 (:func:`install_fp32_losses`), the
    attention cores take the explicit path (:func:`install_fast_attention`)
    and the parameters move to channels-last layout (oneDNN's bf16
    convolutions run faster on NHWC: the conv-block heads 1.84 -> 1.71 s a
    step; same Parameter objects). Call it once the weights are initialised
    or loaded: a random init of a channels-last tensor draws other values
    (``SCEMAERunner`` calls it right before the first training step).
    Idempotent.

    Args:
        model: the model (a DDP wrapper's ``module`` is set up).

    Returns:
        dict: ``fp32_losses`` and ``attention``, the modules changed now.
    """
    inner = getattr(model, 'module', model)
    counts = dict(fp32_losses=install_fp32_losses(inner),
                  attention=install_fast_attention(inner))
    inner.to(memory_format=torch.channels_last)
    inner._sce_mae_bf16_ready = True
    return counts


@OPTIM_WRAPPERS.register_module()
class CPUBf16OptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under CPU bf16 autocast.

    fp32 master weights (the parameters and AdamW state are never cast);
    bf16 has fp32's exponent range, so no loss scaling; a non-finite loss
    still stops the run (``NonFiniteLossHook``). The model must have been
    set up by :func:`prepare_cpu_bf16` (fp32 losses, the explicit attention
    core, channels-last weights): ``SCEMAERunner`` does it before the first
    step; a model that is not set up is refused, never changed here. Same
    arguments as ``OptimWrapper``.
    """

    @contextlib.contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        inner = getattr(model, 'module', model)  # DDP
        if not getattr(inner, '_sce_mae_bf16_ready', False):
            raise RuntimeError(
                f'CPUBf16OptimWrapper: the model {type(inner).__name__} is '
                'not set up for CPU bf16 training; call '
                'sce_mae_mm.engine.prepare_cpu_bf16(model) once its '
                'weights are initialised (tools/train.py --amp builds an '
                'SCEMAERunner, which does)')
        with super().optim_context(model), bf16_autocast():
            yield


# -------------------------------------------------------------- configs
def apply_amp(cfg, device: str) -> Dict:
    """Turn ``--amp`` into config changes, as mmpose's tools do on CUDA.

    On a CPU: ``CPUBf16OptimWrapper`` for training (when the config has an
    ``optim_wrapper``), ``fp16=True`` (mmengine's CPU autocast = bf16) on
    the val and test loops. On another device: mmengine's
    ``AmpOptimWrapper`` with dynamic loss scaling, and ``fp16=True`` on the
    loops. Returns ``cfg``.
    """
    wrapper = cfg.get('optim_wrapper')
    if wrapper is not None:
        if device == 'cpu':
            wrapper.type = 'CPUBf16OptimWrapper'
        else:
            wrapper.type = 'AmpOptimWrapper'
            wrapper.setdefault('loss_scale', 'dynamic')
    for key in ('val_cfg', 'test_cfg'):
        loop = cfg.get(key)
        if isinstance(loop, dict):
            loop['fp16'] = True
    return cfg
