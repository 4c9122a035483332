"""Safe loading of MMEngine runner checkpoints under ``weights_only=True``.

torch >= 2.6 unpickles checkpoints with ``weights_only=True`` by default and
mmengine 0.10.7 calls ``torch.load`` without the argument, so a runner
checkpoint (which carries ``HistoryBuffer`` objects, numpy arrays and numpy
scalars in its message hub and dataset metainfo) fails to load. Instead of
re-enabling arbitrary unpickling, this module allow-lists exactly the few
types MMEngine writes. Any other pickled global is still refused by torch's
restricted unpickler, before it can run.

``import sce_mae_mm`` leaves ``torch.serialization`` as it was: the
project's loaders (:func:`read_checkpoint`, which the runner, ``SCEViT``,
the ``Pretrained`` init and the inference API go through) allow-list these
types only while they load (:func:`checkpoint_safe_globals`).
:func:`register_safe_globals` allow-lists them for the whole process, for
code that calls ``torch.load`` or mmengine's ``load_checkpoint`` itself.
A checkpoint published by ``tools/publish_model.py``
(:mod:`sce_mae_mm.deploy.publish`) holds tensors and builtins only and
needs neither.

The second half reads checkpoints for the project's loaders
(:func:`read_checkpoint`: every failure names the file) and refuses a
checkpoint that does not fit a model (:func:`check_checkpoint_fits`: size
mismatches and missing parts name the file, the model's arch and the
tensors), where mmengine's ``load_checkpoint`` only warns.
"""
import contextlib
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import (Callable, Dict, Iterator, List, Optional, Sequence, Tuple,
                    Union)

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.utils import digit_version


def _numpy_globals() -> List[object]:
    """Globals needed to rebuild numpy arrays, dtypes and scalars."""
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [
        getattr(np.dtypes, name) for name in dir(np.dtypes)
        if name.endswith('DType')
        and isinstance(getattr(np.dtypes, name), type)
    ]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtype_classes]


# registered lazily by the first HistoryBuffer, so listed here as well
_DEFAULT_STATISTICS = {'min', 'max', 'mean', 'current'}


def _history_buffer_method(owner: object, name: str) -> Callable:
    """Stands in for ``builtins.getattr`` while unpickling.

    A ``HistoryBuffer`` pickles its statistics methods (``min``, ``max``,
    ``mean``, ``current`` and registered ones) as
    ``getattr(HistoryBuffer, name)``. Only that lookup is allowed; any other
    ``getattr`` in a checkpoint is refused.
    """
    allowed = _DEFAULT_STATISTICS | set(HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and name in allowed:
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({owner!r}, {name!r}); only '
        'HistoryBuffer statistics methods are allowed')


#: Every global a runner checkpoint may reference besides torch's own.
RUNNER_CHECKPOINT_GLOBALS: List[Union[object, Tuple[Callable, str]]] = [
    HistoryBuffer,
    bytes,  # an empty numpy array (e.g. no skeleton links) pickles bytes()
    (_history_buffer_method, 'builtins.getattr'),
    *_numpy_globals(),
]


def register_safe_globals() -> None:
    """Allow-list :data:`RUNNER_CHECKPOINT_GLOBALS` for ``torch.load`` in
    this whole process (the project's own loaders need no call: they use
    :func:`checkpoint_safe_globals`).

    torch < 2.4 has no allow-list (and loads with ``weights_only=False`` by
    default): nothing to register there. torch < 2.6 takes no
    ``(global, name)`` pairs, so the ``getattr`` stand-in is left out there.
    """
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return
    torch.serialization.add_safe_globals(_entries())


def _entries() -> list:
    """:data:`RUNNER_CHECKPOINT_GLOBALS` as this torch takes them."""
    entries = RUNNER_CHECKPOINT_GLOBALS
    if digit_version(torch.__version__) < digit_version('2.6.0'):
        entries = [g for g in entries if not isinstance(g, tuple)]
    return list(entries)


@contextlib.contextmanager
def checkpoint_safe_globals() -> Iterator[None]:
    """Allow-list :data:`RUNNER_CHECKPOINT_GLOBALS` inside the block only;
    torch's allow-list is restored afterwards (a no-op on torch < 2.4)."""
    ser = torch.serialization
    if not all(hasattr(ser, name) for name in (
            'add_safe_globals', 'get_safe_globals', 'clear_safe_globals')):
        yield
        return
    saved = list(ser.get_safe_globals())
    ser.add_safe_globals(_entries())
    try:
        yield
    finally:
        ser.clear_safe_globals()
        ser.add_safe_globals(saved)


# --------------------------------------------------------------------------
# Reading checkpoints and checking that they fit a model
# --------------------------------------------------------------------------
class CheckpointError(RuntimeError):
    """A checkpoint cannot be read or does not fit the model."""


#: what each top-level part of our models is trained by (for the messages)
PART_HINTS = {
    'backbone.': 'the encoder, from stage 1 (stage-2 checkpoints hold it)',
    'neck.': 'the projector: expected a stage-2 checkpoint',
    'head.': 'the landmark regressor: expected a detection checkpoint '
    'trained with tools/train.py (stage-2 checkpoints have no head)',
}


def read_checkpoint(filename: str, map_location='cpu') -> dict:
    """Load a checkpoint file; every failure names the file.

    Args:
        filename: local path or URL (anything mmengine's loader takes).
        map_location: as in ``torch.load``.

    Raises:
        FileNotFoundError: a local path that does not exist.
        CheckpointError: the file is truncated, not a torch file, or holds
            something the safe unpickler refuses.

    Returns:
        the loaded checkpoint (a dict).
    """
    from mmengine.runner.checkpoint import _load_checkpoint
    name = str(filename)
    if '://' not in name and not osp.isfile(name):
        raise FileNotFoundError(f'checkpoint {name}: file not found')
    try:
        with checkpoint_safe_globals():
            ckpt = _load_checkpoint(name, map_location=map_location)
    except pickle.UnpicklingError as err:
        raise pickle.UnpicklingError(f'checkpoint {name}: {err}') from err
    except Exception as err:  # torch raises RuntimeError, EOFError, ...
        first = str(err).strip().splitlines()[0] if str(err).strip() else ''
        raise CheckpointError(
            f'checkpoint {name}: cannot be read ({type(err).__name__}: '
            f'{first}); expected a complete .pth file written by torch.save '
            '(is it truncated or still being written?)') from err
    if not isinstance(ckpt, dict):
        raise CheckpointError(f'checkpoint {name}: expected a dict (a state '
                              f'dict or a runner checkpoint), got '
                              f'{type(ckpt).__name__}')
    return ckpt


def checkpoint_state_dict(ckpt: dict,
                          revise_keys: Sequence[Tuple[str, str]] = (
                              (r'^module\.', ''), ),
                          prefix: Optional[str] = None) -> Dict[str, object]:
    """The (revised) state dict of a checkpoint.

    Args:
        ckpt: a runner checkpoint (``state_dict`` key) or a bare state dict.
        revise_keys: (pattern, replacement) regexes applied to every key.
        prefix: keep only keys starting with it, with it stripped.
    """
    state = ckpt.get('state_dict', ckpt)
    out = OrderedDict()
    for key, value in state.items():
        for pattern, repl in revise_keys:
            key = re.sub(pattern, repl, key)
        if prefix is not None:
            if not key.startswith(prefix):
                continue
            key = key[len(prefix):]
        out[key] = value
    return out


def _model_arch(model: torch.nn.Module) -> Optional[str]:
    for module in model.modules():
        arch = getattr(module, 'arch', None)
        if isinstance(arch, str):
            return arch
    return None


def _group(keys: Sequence[str]) -> str:
    """``backbone.vit.* (150), neck.projector.* (4)``-style summary; a
    group of one key shows the key."""
    groups: Dict[str, List[str]] = OrderedDict()
    for key in keys:
        parts = key.split('.')
        stem = '.'.join(parts[:2]) + '.*' if len(parts) > 2 else key
        groups.setdefault(stem, []).append(key)
    return ', '.join(f'{k} ({len(v)})' if len(v) > 1 else v[0]
                     for k, v in groups.items())


def frozen_parts(model: torch.nn.Module) -> Tuple[str, ...]:
    """Key prefixes of the top-level children whose parameters are all
    frozen (``requires_grad=False``): they never train, so a checkpoint
    loaded to initialise the model must hold them."""
    parts = []
    for name, child in model.named_children():
        params = list(child.parameters())
        if params and not any(p.requires_grad for p in params):
            parts.append(f'{name}.')
    return tuple(parts)


def check_checkpoint_fits(model: torch.nn.Module,
                          state: Dict[str, object],
                          filename: str,
                          required: Optional[Sequence[str]] = None,
                          where: str = '') -> List[str]:
    """Raise unless ``state`` fits ``model``.

    Every tensor the checkpoint shares with the model must have the model's
    shape, and every model key under a ``required`` prefix (all keys when
    ``required`` is None) must be in the checkpoint.

    Args:
        model: the model to load into.
        state: the checkpoint's state dict (keys already revised).
        filename: the checkpoint (for the message).
        required: key prefixes that must be covered; None = all keys.
        where: what is being loaded (e.g. the config file), for the message.

    Raises:
        CheckpointError: naming the file, the model's arch and the tensors.

    Returns:
        the model keys the checkpoint does not hold (optional ones).
    """
    own = model.state_dict()
    mismatched = [
        f'{k}: checkpoint {tuple(v.shape)}, model {tuple(own[k].shape)}'
        for k, v in state.items()
        if k in own and hasattr(v, 'shape') and tuple(v.shape) != tuple(
            own[k].shape)]
    missing = [k for k in own if k not in state]
    if required is None:
        needed = missing
    else:
        needed = [k for k in missing if k.startswith(tuple(required))]
    if not mismatched and not needed:
        return missing
    arch = _model_arch(model)
    head = f'checkpoint {filename} does not fit '
    head += where or type(model).__name__
    if arch:
        head += f' (arch {arch!r})'
    lines = [head + ':']
    if mismatched:
        lines.append(f'size mismatch for {len(mismatched)} tensors: ' +
                     '; '.join(mismatched[:6]) +
                     (' ...' if len(mismatched) > 6 else ''))
    if needed:
        lines.append(f'missing {len(needed)} tensors: {_group(needed)}')
        lines += _missing_part_hints(needed, state, filename)
    raise CheckpointError('\n  '.join(lines))


def _missing_part_hints(needed: Sequence[str], state: Dict[str, object],
                        filename: str) -> List[str]:
    """One line per missing part saying what trains it, each naming the
    checkpoint (a reader may see only that line)."""
    lines = []
    for part, hint in PART_HINTS.items():
        if any(k.startswith(part) for k in needed):
            held = any(k.startswith(part) for k in state)
            what = (f'{filename} has no {part!r} keys' if not held else
                    f'the {part!r} keys of {filename} do not match the '
                    'model')
            lines.append(f'{what}: {hint}')
    if any(k.startswith('neck.decoder') for k in state):
        lines.append(f'{filename} looks like a stage-1 (MAE) checkpoint: it '
                     'has the MAE decoder (neck.decoder*)')
    return lines


def load_fitting_checkpoint(model: torch.nn.Module,
                            filename: str,
                            required: Optional[Sequence[str]] = None,
                            map_location='cpu',
                            revise_keys: Sequence[Tuple[str, str]] = (
                                (r'^module\.', ''), ),
                            prefix: Optional[str] = None,
                            where: str = '') -> dict:
    """Read ``filename``, check it fits ``model``, load it.

    Args:
        model: the model.
        filename: the checkpoint.
        required: key prefixes the checkpoint must cover (None: every key).
        map_location, revise_keys, prefix: see :func:`read_checkpoint` and
            :func:`checkpoint_state_dict`.
        where: what is loaded, for the messages.

    Raises:
        CheckpointError: unreadable, a size mismatch or a missing part.

    Returns:
        the checkpoint.
    """
    from mmengine.logging import print_log
    ckpt = read_checkpoint(filename, map_location)
    state = checkpoint_state_dict(ckpt, revise_keys, prefix)
    missing = check_checkpoint_fits(model, state, filename, required, where)
    result = model.load_state_dict(state, strict=False)
    if missing:
        print_log(f'{filename}: not in the checkpoint, left as initialised: '
                  f'{_group(missing)}', logger='current')
    if result.unexpected_keys:
        print_log(f'{filename}: checkpoint keys the model does not have '
                  f'(ignored): {_group(result.unexpected_keys)}',
                  logger='current')
    return ckpt


def required_parts(model: torch.nn.Module) -> Optional[Tuple[str, ...]]:
    """The key prefixes a model declares a checkpoint must hold
    (``model.checkpoint_parts()``), else None (every key)."""
    parts = getattr(model, 'checkpoint_parts', None)
    return tuple(parts()) if callable(parts) else None
