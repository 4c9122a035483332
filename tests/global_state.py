"""Process-global state a test must leave as it found it.

``tests/conftest.py`` takes a :func:`snapshot` before and after every test
and fails the test whose snapshot differs (:func:`changes` names what
changed), then puts the recorded state back (:func:`restore`) so one leak
does not fail every test after it.

The global random generators (torch, numpy, ``random``) are not compared:
drawing a number changes them by definition and every Runner reseeds them.
Instead :func:`seed_global_rngs` gives each test (and each fixture set up
between tests) the same starting state, so no result depends on which tests
ran before.
"""
import contextlib
import os
import random
import sys
from typing import Any, Dict, Iterator, List

import numpy as np
import torch

RNG_SEED = 0


class GlobalStateLeak(AssertionError):
    """A test left process-global state changed (the message says what)."""


def seed_global_rngs(seed: int = RNG_SEED) -> None:
    """Seed torch's, numpy's and ``random``'s global generators."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def flush_denormal_enabled() -> bool:
    """Whether this thread flushes fp32 subnormals (torch has no getter):
    the smallest subnormal times one is zero only when flushed."""
    tiny = torch.tensor([1], dtype=torch.int32).view(torch.float32)
    return bool(tiny.mul(1.0).view(torch.int32).item() == 0)


def _autocast(device: str) -> tuple:
    return (torch.is_autocast_enabled(device),
            torch.get_autocast_dtype(device))


def _safe_globals() -> frozenset:
    """torch's allow-list for ``weights_only`` loads (kept as a set: its
    order is not part of it)."""
    ser = torch.serialization
    if not hasattr(ser, 'get_safe_globals'):
        return frozenset()
    return frozenset(ser.get_safe_globals())


def _environment() -> Dict[str, str]:
    """``os.environ`` but pytest's own ``PYTEST_CURRENT_TEST``."""
    return {k: v for k, v in os.environ.items()
            if k != 'PYTEST_CURRENT_TEST'}


def _matplotlib_backend() -> Any:
    """rcParams' backend as set (not resolved: resolving it is a change);
    None where matplotlib was never imported."""
    mpl = sys.modules.get('matplotlib')
    if mpl is None:
        return None
    return dict.__getitem__(mpl.rcParams, 'backend')


def snapshot() -> Dict[str, Any]:
    """The state compared before and after each test."""
    return {
        'torch threads': torch.get_num_threads(),
        'torch default dtype': torch.get_default_dtype(),
        'torch flush-denormal flag': flush_denormal_enabled(),
        'torch grad mode': torch.is_grad_enabled(),
        'CPU autocast (enabled, dtype)': _autocast('cpu'),
        'CUDA autocast (enabled, dtype)': _autocast('cuda'),
        'torch deterministic algorithms (on, warn only)':
        (torch.are_deterministic_algorithms_enabled(),
         torch.is_deterministic_algorithms_warn_only_enabled()),
        'cudnn (benchmark, deterministic)':
        (torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic),
        'torch.serialization safe globals': _safe_globals(),
        'matplotlib backend': _matplotlib_backend(),
        'working directory': os.getcwd(),
        'environment variables': _environment(),
        'sys.path': list(sys.path),
    }


def _name(obj: Any) -> str:
    if isinstance(obj, tuple):  # (object, 'module.name') entries
        return str(obj[1]) if len(obj) > 1 else _name(obj[0])
    return getattr(obj, '__qualname__', repr(obj))


def _describe(key: str, old: Any, new: Any) -> str:
    if key == 'environment variables':
        parts = [f'{k} set to {new[k]!r}' for k in sorted(set(new) - set(old))]
        parts += [f'{k} removed' for k in sorted(set(old) - set(new))]
        parts += [f'{k}: {old[k]!r} -> {new[k]!r}' for k in sorted(old)
                  if k in new and old[k] != new[k]]
        return f'{key}: ' + ', '.join(parts)
    if key in ('torch.serialization safe globals', 'sys.path'):
        added = [_name(x) for x in new if x not in old]
        removed = [_name(x) for x in old if x not in new]
        parts = ([f'added {added}'] if added else []) + (
            [f'removed {removed}'] if removed else [])
        return f'{key}: ' + (', '.join(parts) or 'reordered')  # sys.path
    return f'{key}: {old!r} -> {new!r}'


def changes(before: Dict[str, Any], after: Dict[str, Any]) -> List[str]:
    """One line per entry of ``before`` that ``after`` changed."""
    return [_describe(k, before[k], after[k]) for k in before
            if before[k] != after[k]]


def restore(state: Dict[str, Any]) -> None:
    """Put a :func:`snapshot` back (the RNGs are reseeded separately)."""
    torch.set_num_threads(state['torch threads'])
    torch.set_default_dtype(state['torch default dtype'])
    torch.set_flush_denormal(state['torch flush-denormal flag'])
    torch.set_grad_enabled(state['torch grad mode'])
    for device in ('cpu', 'cuda'):
        on, dtype = state[f'{device.upper()} autocast (enabled, dtype)']
        torch.set_autocast_enabled(device, on)
        torch.set_autocast_dtype(device, dtype)
    on, warn = state['torch deterministic algorithms (on, warn only)']
    torch.use_deterministic_algorithms(on, warn_only=warn)
    (torch.backends.cudnn.benchmark,
     torch.backends.cudnn.deterministic) = state[
         'cudnn (benchmark, deterministic)']
    ser = torch.serialization
    if hasattr(ser, 'clear_safe_globals'):
        ser.clear_safe_globals()
        ser.add_safe_globals(list(state['torch.serialization safe globals']))
    backend = state['matplotlib backend']
    mpl = sys.modules.get('matplotlib')
    if mpl is not None and backend != _matplotlib_backend():
        if isinstance(backend, str):
            mpl.use(backend)  # switches pyplot back too
        elif backend is not None:  # matplotlib's "not resolved yet"
            dict.__setitem__(mpl.rcParams, 'backend', backend)
    os.chdir(state['working directory'])
    env = state['environment variables']
    for key in set(_environment()) - set(env):
        del os.environ[key]
    os.environ.update(env)
    sys.path[:] = state['sys.path']


@contextlib.contextmanager
def guard(name: str) -> Iterator[None]:
    """Run a test: seeded generators before; afterwards the state put back,
    the generators reseeded, and :class:`GlobalStateLeak` raised naming
    ``name`` and each change (not raised over an error of the test)."""
    seed_global_rngs()
    before = snapshot()
    try:
        yield
    finally:
        changed = changes(before, snapshot())
        restore(before)
        seed_global_rngs()
    if changed:
        raise GlobalStateLeak(f'{name} left process-global state changed:'
                              '\n  ' + '\n  '.join(changed))
