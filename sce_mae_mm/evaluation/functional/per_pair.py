"""Per-pair matching errors of one run, kept for paired comparisons.

Two runs on the same MAFL pairs (e.g. SCE-MAE and raw MAE features of one
stage-1 checkpoint) are compared pair by pair: the first writes its
per-pair errors (:func:`save_per_pair`), the second reads them
(:func:`load_per_pair`), aligned by pair id, and bootstraps the difference
on the same resampled pairs.
"""
import os
import os.path as osp
from typing import Dict, List

import numpy as np

from .bootstrap import format_ci


def save_per_pair(path: str, pair_ids: np.ndarray,
                  errors: Dict[str, np.ndarray]) -> None:
    """Write ``pair_id`` (N,) and each ``errors[key]`` (N,) to ``path``
    (``.npz``; written to a temporary name, then moved into place)."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + '.part.npz'
    np.savez(tmp, pair_id=np.asarray(pair_ids), **errors)
    os.replace(tmp, path)


def load_per_pair(path: str, pair_ids: np.ndarray) -> Dict[str, np.ndarray]:
    """The per-pair errors in ``path`` in the order of ``pair_ids``.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a per-pair file or holds other pairs.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path}: no per-pair errors (write them first with '
            'MAFLMatchingMetric(per_pair_file=...))')
    try:
        with np.load(path) as data:
            stored = {k: np.asarray(data[k]) for k in data.files}
    except (OSError, ValueError) as e:
        raise ValueError(f'{path}: not a per-pair error file ({e})') from e
    ids = stored.pop('pair_id', None)
    want = np.asarray(pair_ids)
    if ids is None or sorted(ids.tolist()) != sorted(want.tolist()):
        raise ValueError(
            f'{path}: holds the errors of other pairs ({0 if ids is None else len(ids)} '
            f'pairs) than this run ({len(want)}); compare runs on the same '
            'test split')
    order = {int(i): k for k, i in enumerate(ids)}
    index = np.asarray([order[int(i)] for i in want])
    return {k: v[index] for k, v in stored.items()}


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
