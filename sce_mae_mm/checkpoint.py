"""Safe loading of MMEngine runner checkpoints under ``weights_only=True``.

torch >= 2.6 unpickles checkpoints with ``weights_only=True`` by default and
mmengine 0.10.7 calls ``torch.load`` without the argument, so a runner
checkpoint (which carries ``HistoryBuffer`` objects, numpy arrays and numpy
scalars in its message hub and dataset metainfo) fails to load. Instead of
re-enabling arbitrary unpickling, this module allow-lists exactly the few
types MMEngine writes. Any other pickled global is still refused by torch's
restricted unpickler, before it can run.

Imported first by ``import sce_mae_mm``; nothing else in the project touches
``torch.serialization``.
"""
import pickle
from typing import Callable, List, Tuple, Union

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
    """Allow-list :data:`RUNNER_CHECKPOINT_GLOBALS` for ``torch.load``.

    torch < 2.4 has no allow-list (and loads with ``weights_only=False`` by
    default): nothing to register there. torch < 2.6 takes no
    ``(global, name)`` pairs, so the ``getattr`` stand-in is left out there.
    """
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return
    entries = RUNNER_CHECKPOINT_GLOBALS
    if digit_version(torch.__version__) < digit_version('2.6.0'):
        entries = [g for g in entries if not isinstance(g, tuple)]
    torch.serialization.add_safe_globals(entries)


register_safe_globals()
