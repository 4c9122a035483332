"""Published checkpoints: plain tensors and builtins, loadable anywhere.

A runner checkpoint carries the optimiser, the message hub
(``HistoryBuffer`` objects), numpy arrays and scalars (dataset meta, RNG
state): torch's default ``torch.load(weights_only=True)`` refuses it unless
those globals are allow-listed. :func:`publish_checkpoint` does what
mmpose's ``tools/misc/publish_model.py`` does (keep the weights, drop the
training state, put the first 8 hex digits of the sha256 in the file name)
and converts everything it keeps to tensors and Python builtins, so that
``torch.load(path)`` with nothing allow-listed reads it, and with it
``mmpose.apis.init_model`` and ``MMPoseInferencer``.
"""
import contextlib
import hashlib
import os
import os.path as osp
from collections import OrderedDict
from typing import Any, Iterator, Optional

import numpy as np
import torch

__all__ = ['to_plain', 'publish_checkpoint', 'sha256_file',
           'no_safe_globals', 'load_weights_only']

#: the meta keys a published checkpoint keeps
META_KEYS = ('dataset_meta', 'cfg', 'epoch', 'iter', 'mmengine_version',
             'experiment_name', 'seed', 'time')


def to_plain(obj: Any, where: str = 'checkpoint') -> Any:
    """``obj`` with numpy arrays / scalars as lists / Python numbers,
    tuples and dicts kept, tensors detached to the CPU.

    Raises:
        TypeError: an object that is neither (names ``where``).
    """
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str, bytes)):
        return obj
    if isinstance(obj, dict):
        out = OrderedDict() if isinstance(obj, OrderedDict) else {}
        for key, value in obj.items():
            out[to_plain(key, where)] = to_plain(value, f'{where}[{key!r}]')
        return out
    if isinstance(obj, (list, tuple)):
        items = [to_plain(v, f'{where}[{i}]') for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else tuple(items)
    raise TypeError(f'{where}: a {type(obj).__name__} cannot be stored in a '
                    'published checkpoint (expected tensors, numpy values '
                    'and Python builtins)')


def sha256_file(path: str) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def no_safe_globals() -> Iterator[None]:
    """torch's allow-list emptied inside the block, restored afterwards
    (what a fresh process that allow-listed nothing sees)."""
    ser = torch.serialization
    if not hasattr(ser, 'get_safe_globals'):
        yield
        return
    saved = list(ser.get_safe_globals())
    ser.clear_safe_globals()
    try:
        yield
    finally:
        ser.add_safe_globals(saved)


def load_weights_only(path: str) -> dict:
    """``torch.load(path, weights_only=True)`` with nothing allow-listed.

    Raises:
        pickle.UnpicklingError: the file needs an allow-listed global
            (the message names the file).
    """
    import pickle
    with no_safe_globals():
        try:
            return torch.load(path, map_location='cpu', weights_only=True)
        except pickle.UnpicklingError as err:
            raise pickle.UnpicklingError(
                f'{path}: not a plain checkpoint ({err})') from err


def _config_text(ckpt: dict, config: Optional[str]) -> Optional[str]:
    if config is not None:
        from mmengine.config import Config
        return Config.fromfile(config).pretty_text
    cfg = ckpt.get('meta', {}).get('cfg')
    return cfg if isinstance(cfg, str) else None


def publish_checkpoint(in_file: str, out_file: str,
                       config: Optional[str] = None) -> str:
    """Write the published form of a checkpoint.

    Keeps ``state_dict`` and a clean ``meta`` (dataset meta, the config
    text, epoch / iter and versions); drops the optimiser, the message hub,
    the parameter schedulers, the RNG state and everything else.

    Args:
        in_file: a runner checkpoint (or a bare state dict).
        out_file: e.g. ``det_mafl.pth``; the file written is
            ``det_mafl-<sha256[:8]>.pth`` beside it.
        config: the config to store as ``meta['cfg']`` (default: the text
            the runner stored).

    Raises:
        CheckpointError: ``in_file`` cannot be read (names it).

    Returns:
        the path written.
    """
    from ..checkpoint import checkpoint_state_dict, read_checkpoint
    ckpt = read_checkpoint(in_file)
    state = OrderedDict(
        (k, v.detach().cpu()) for k, v in checkpoint_state_dict(ckpt).items()
        if isinstance(v, torch.Tensor))
    if not state:
        from ..checkpoint import CheckpointError
        raise CheckpointError(f'checkpoint {in_file}: no tensors in its '
                              'state dict; nothing to publish')
    meta = {k: v for k, v in ckpt.get('meta', {}).items() if k in META_KEYS}
    text = _config_text(ckpt, config)
    if text is not None:
        meta['cfg'] = text
    from ..version import __version__
    meta['sce_mae_mm_version'] = __version__
    meta['published_from'] = osp.basename(in_file)
    out = dict(meta=to_plain(meta, f'{in_file} meta'), state_dict=state)
    root, ext = osp.splitext(out_file)
    tmp = f'{root}.tmp-{os.getpid()}{ext or ".pth"}'
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    torch.save(out, tmp)
    final = f'{root}-{sha256_file(tmp)[:8]}{ext or ".pth"}'
    os.replace(tmp, final)
    load_weights_only(final)  # the promise: nothing allow-listed needed
    return final
