"""The dtypes the public functions accept, and the conversions they share.

Public functions take tensors of the floating dtypes users hand them
(float64 from ``torch.from_numpy``, float32, and float16 / bfloat16 from a
half-precision model) and keypoints as floating or integer tensors
(``tests/test_dtype_sweep.py`` holds the sweep). Three helpers keep this
uniform:

* :func:`check_floating` raises a ``TypeError`` that names the argument and
  the accepted dtypes (bool, complex and, where pixels must be fractional,
  integer tensors);
* :func:`at_least_float32` upcasts float16 / bfloat16 for the few steps that
  need it (``torch.cdist`` has no half kernels; similarities and softmax
  reductions in bf16 tie or drift), leaving float32 / float64 alone;
* :func:`autocast_off` runs a loss with autocast off on its tensors'
  device, so that with :func:`at_least_float32` it computes in float32
  under ``torch.autocast`` too (what ``install_fp32_losses`` does for the
  loss modules of a training run);
* :func:`to_parameter_dtype` casts a floating model input to the dtype of
  the module's weights (a float64 image into a float32 model, a float32 one
  into a ``model.half()``), and refuses an unnormalised uint8 image by name;
* :func:`as_float64_array` turns a numpy array or a tensor of any real dtype
  on any device (bfloat16 included, which numpy cannot hold) into a float64
  numpy array, for the numpy-based metrics.
"""
import functools
from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor, nn

__all__ = [
    'FLOAT_DTYPES', 'ACCEPTED_FLOATS', 'ACCEPTED_POINTS', 'check_floating',
    'check_points', 'at_least_float32', 'as_float64_array',
    'to_parameter_dtype', 'autocast_off'
]

FLOAT_DTYPES = (torch.float64, torch.float32, torch.float16, torch.bfloat16)
ACCEPTED_FLOATS = 'float64, float32, float16 or bfloat16'
ACCEPTED_POINTS = ACCEPTED_FLOATS + ', or an integer dtype'


def check_floating(x: Tensor, name: str, where: str) -> Tensor:
    """Return ``x``; TypeError naming ``name`` unless it is a floating
    tensor of :data:`FLOAT_DTYPES`."""
    if not isinstance(x, Tensor):
        raise TypeError(f'{where}: {name} must be a torch.Tensor of '
                        f'{ACCEPTED_FLOATS}, got {type(x).__name__}')
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(f'{where}: {name} must be {ACCEPTED_FLOATS}, got '
                        f'{x.dtype}')
    return x


def check_points(x: Tensor, name: str, where: str) -> Tensor:
    """Return ``x``; TypeError naming ``name`` unless it is a floating
    (:data:`FLOAT_DTYPES`) or integer tensor (bool and complex refused)."""
    if not isinstance(x, Tensor):
        raise TypeError(f'{where}: {name} must be a torch.Tensor of '
                        f'{ACCEPTED_POINTS}, got {type(x).__name__}')
    integer = not x.is_floating_point() and not x.is_complex() and \
        x.dtype != torch.bool
    if x.dtype not in FLOAT_DTYPES and not integer:
        raise TypeError(f'{where}: {name} must be {ACCEPTED_POINTS}, got '
                        f'{x.dtype}')
    return x


def to_parameter_dtype(x: Tensor, module: nn.Module, name: str,
                       where: str) -> Tensor:
    """``x`` (floating, :data:`FLOAT_DTYPES`) in the dtype of ``module``'s
    first floating parameter (unchanged when it has none); TypeError naming
    ``name`` for integer (e.g. unnormalised uint8) or bool inputs. Under
    autocast the cast tensor is autocast's to cast further."""
    check_floating(x, name, where)
    for param in module.parameters():
        if param.is_floating_point():
            return x if x.dtype == param.dtype else x.to(param.dtype)
    return x


def at_least_float32(x: Tensor) -> Tensor:
    """float16 / bfloat16 -> float32; float32 and float64 unchanged
    (integers -> float32). Gradients flow through the cast."""
    if x.dtype in (torch.float32, torch.float64):
        return x
    return x.float()


def autocast_off(fn: Callable) -> Callable:
    """Decorator: call ``fn`` with autocast disabled on the device of its
    first tensor argument (CPU when it has none)."""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        tensors = [a for a in (*args, *kwargs.values())
                   if isinstance(a, Tensor)]
        device = tensors[0].device.type if tensors else 'cpu'
        with torch.autocast(device, enabled=False):
            return fn(*args, **kwargs)

    return wrapped


def as_float64_array(value: Any, name: str, where: str,
                     allow_bool: bool = False) -> np.ndarray:
    """A float64 numpy copy of an array-like or a tensor.

    Args:
        value: numpy array, sequence or torch tensor (any device; float64,
            float32, float16, bfloat16 or integer).
        name: the argument, named in the error.
        where: the caller, named in the error.
        allow_bool: accept bool values (masks) as 0. / 1.

    Raises:
        TypeError: complex or non-numeric values, and bool ones unless
            ``allow_bool``.
    """
    if isinstance(value, Tensor):
        if value.is_complex() or (value.dtype == torch.bool
                                  and not allow_bool):
            raise TypeError(f'{where}: {name} must be real numbers '
                            f'({ACCEPTED_POINTS}), got {value.dtype}')
        return value.detach().to('cpu', torch.float64).numpy()
    arr = np.asarray(value)
    if arr.dtype.kind not in ('fiub' if allow_bool else 'fiu'):
        raise TypeError(f'{where}: {name} must be real numbers '
                        f'({ACCEPTED_POINTS}), got numpy dtype {arr.dtype}')
    return arr.astype(np.float64)
