"""Per-unit errors of one run (per pair in matching, per face in
detection), kept for paired comparisons.

Two runs on the same units (e.g. SCE-MAE and raw MAE features of one
stage-1 checkpoint on the same MAFL pairs, or two detection heads on the
same test faces) are compared unit by unit: each writes its per-unit
errors (:func:`save_per_unit`; :func:`save_per_pair` for pairs), aligned
later by the unit's id (:func:`load_per_pair`, :func:`align_runs`), and the
difference is bootstrapped on the same resampled units.

File layout (``.npz``): one id array, ``pair_id`` (N,) int for pairs or
``image_id`` (N,) (each face's image path, str, or its int id) for faces,
and one (N,) float array per error key (``diff``, ``NME``, ...).
"""
import os
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np

from .bootstrap import format_ci

#: the id arrays a per-unit file may hold
ID_KEYS = ('pair_id', 'image_id')


def save_per_unit(path: str, ids: np.ndarray, errors: Dict[str, np.ndarray],
                  id_key: str = 'pair_id') -> None:
    """Write ``ids`` (N,) as ``id_key`` and each ``errors[key]`` (N,) to
    ``path`` (``.npz``; written to a temporary name, then moved into
    place).

    Raises:
        ValueError: ``id_key`` unknown, ids repeated, or an error array
            of another length than ``ids``.
    """
    if id_key not in ID_KEYS:
        raise ValueError(f'{path}: id_key must be one of {ID_KEYS}, got '
                         f'{id_key!r}')
    ids = np.asarray(ids)
    if len(set(ids.tolist())) != len(ids):
        raise ValueError(f'{path}: the {len(ids)} {id_key}s are not unique; '
                         'units could not be aligned with another run')
    for key, value in errors.items():
        if len(value) != len(ids):
            raise ValueError(f'{path}: {key} has {len(value)} values for '
                             f'{len(ids)} ids')
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + '.part.npz'
    np.savez(tmp, **{id_key: ids}, **errors)
    os.replace(tmp, path)


def save_per_pair(path: str, pair_ids: np.ndarray,
                  errors: Dict[str, np.ndarray]) -> None:
    """Write ``pair_id`` (N,) and each ``errors[key]`` (N,) to ``path``."""
    save_per_unit(path, pair_ids, errors, 'pair_id')


def read_per_unit(path: str) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
    """The ids (N,) and the error arrays {key: (N,)} of a per-unit file.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a per-unit file (unreadable or no id array).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path}: no per-pair errors (write them first with '
            'MAFLMatchingMetric(per_pair_file=...) or '
            'InputFrameNME(per_image_file=...))')
    try:
        with np.load(path) as data:
            stored = {k: np.asarray(data[k]) for k in data.files}
    except (OSError, ValueError) as e:
        raise ValueError(f'{path}: not a per-pair error file ({e})') from e
    found = [k for k in ID_KEYS if k in stored]
    if len(found) != 1:
        raise ValueError(f'{path}: not a per-pair error file (needs one id '
                         f'array of {ID_KEYS}, has {sorted(stored)})')
    return stored.pop(found[0]), stored


def _index(ids: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Positions in ``ids`` of each of ``want`` (same sets assumed)."""
    order = {i: k for k, i in enumerate(ids.tolist())}
    return np.asarray([order[i] for i in want.tolist()], dtype=np.int64)


def load_per_pair(path: str, pair_ids: np.ndarray) -> Dict[str, np.ndarray]:
    """The per-pair errors in ``path`` in the order of ``pair_ids``.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a per-pair file or holds other pairs.
    """
    ids, stored = read_per_unit(path)
    want = np.asarray(pair_ids)
    if sorted(ids.tolist()) != sorted(want.tolist()):
        raise ValueError(
            f'{path}: holds the errors of other pairs ({len(ids)} pairs) '
            f'than this run ({len(want)}); compare runs on the same test '
            'split')
    index = _index(ids, want)
    return {k: v[index] for k, v in stored.items()}


def align_runs(path_a: str, path_b: str,
               key: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``key``'s errors of two runs on the same units, aligned by id.

    Args:
        path_a, path_b: per-unit files of the two runs.
        key: the error array to read (``diff``, ``NME``, ...).

    Returns:
        ids (N,) in ``path_a``'s order, ``a`` (N,) and ``b`` (N,) floats.

    Raises:
        FileNotFoundError: a file is missing.
        ValueError: a file lacks ``key``, or the two hold other units;
            the message names both files.
    """
    ids_a, run_a = read_per_unit(path_a)
    ids_b, run_b = read_per_unit(path_b)
    for path, run in ((path_a, run_a), (path_b, run_b)):
        if key not in run:
            raise ValueError(f'{path}: no {key!r} errors (has '
                             f'{sorted(run)})')
    if sorted(ids_a.tolist()) != sorted(ids_b.tolist()):
        common = len(set(ids_a.tolist()) & set(ids_b.tolist()))
        raise ValueError(
            f'{path_a} ({len(ids_a)} units) and {path_b} ({len(ids_b)} '
            f'units) hold different units ({common} in common): a paired '
            'difference needs both runs on the same test split')
    b = run_b[key][_index(ids_b, ids_a)]
    return (ids_a, np.asarray(run_a[key], np.float64),
            np.asarray(b, np.float64))


def difference_rows(metrics: Dict[str, float]) -> List[List[str]]:
    """Table rows (header first) of the ``*_minus_*`` keys in
    ``metrics`` with their intervals."""
    rows = [['difference', 'mean [95 % interval]']]
    for key, value in metrics.items():
        if '_minus_' in key and not key.endswith(('_ci_low', '_ci_high')):
            rows.append([key.replace('_minus_', ' − '), format_ci(
                value, metrics.get(f'{key}_ci_low'),
                metrics.get(f'{key}_ci_high'), 3)])
    return rows
