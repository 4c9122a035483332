"""A disk cache of a frozen backbone's outputs, one file per input image.

Every matching evaluation of one stage 1 runs the same frozen backbone on the
same warped MAFL images: raw MAE and SCE-MAE in the quick start, and every
stage-2 variant of a study (their necks differ, the backbone does not). At
stride 2 the backbone is almost all of the matching time (16 shifted passes
per image; the projector is one 1x1 layer), so
:class:`LandmarkMatcher(backbone_cache=DIR) <.matcher.LandmarkMatcher>` keeps
the backbone's outputs of each image in ``DIR`` and later runs read them.

An entry's name is the SHA-256 of everything the outputs depend on: the
backbone's class, stride and every parameter and buffer (bytes, names,
shapes, dtypes), the autocast state, the torch version, and the image's own
bytes, shape and dtype (the normalised input, context margin included).
Another stage 1, stride, warp, pipeline or normalisation reads other
entries, so a stale entry cannot be read. Images missing from the cache are
run through the backbone together (the whole batch when none is cached,
which gives the uncached run's numbers bit for bit) and written atomically.
The cache stores what this machine computed: a folder copied from another
CPU gives that CPU's rounding.
"""
import hashlib
import os
import os.path as osp
from typing import Callable, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from ...fileio.safe_write import torch_save_atomic

__all__ = ['BackboneCache', 'module_fingerprint']

_WHERE = 'BackboneCache'
Outputs = Tuple[Tensor, ...]


def _tensor_state(module: nn.Module) -> Tuple:
    """What changes when any parameter or buffer of ``module`` changes:
    (name, data pointer, version counter) of each."""
    return tuple((name, t.data_ptr(), t._version)
                 for name, t in module.state_dict(keep_vars=True).items())


def module_fingerprint(module: nn.Module) -> str:
    """SHA-256 of ``module``'s class, stride and every parameter and buffer.

    Returns:
        str: 64 hex digits.
    """
    digest = hashlib.sha256()
    digest.update(f'{type(module).__module__}.{type(module).__qualname__};'
                  f'stride={getattr(module, "stride", None)};'.encode())
    for name, tensor in module.state_dict().items():
        data = tensor.detach().cpu().contiguous()
        digest.update(f'{name}:{tuple(data.shape)}:{data.dtype};'.encode())
        digest.update(data.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _autocast_state(device: torch.device) -> str:
    kind = device.type
    if not torch.is_autocast_enabled(kind):
        return 'autocast=off'
    return f'autocast={torch.get_autocast_dtype(kind)}'


class BackboneCache:
    """Backbone outputs of single images, kept in ``root``.

    Args:
        root (str): the cache folder (created when missing).

    Attributes:
        hits (int), misses (int): images read from / written to the cache.
    """

    def __init__(self, root: str) -> None:
        if not isinstance(root, (str, os.PathLike)) or not str(root):
            raise ValueError(f'{_WHERE}: root must be a folder path, got '
                             f'{root!r}')
        self.root = os.fspath(root)
        self.hits = 0
        self.misses = 0
        self._fingerprint: Optional[Tuple[Tuple, str]] = None

    def fingerprint(self, backbone: nn.Module) -> str:
        """:func:`module_fingerprint`, recomputed only when a parameter or
        buffer of ``backbone`` was replaced or written to."""
        state = (_tensor_state(backbone), getattr(backbone, 'stride', None))
        if self._fingerprint is None or self._fingerprint[0] != state:
            self._fingerprint = (state, module_fingerprint(backbone))
        return self._fingerprint[1]

    def keys(self, backbone: nn.Module, images: Tensor,
             tag: str = 'outputs') -> List[str]:
        """One entry name per image of ``images`` (N, 3, H, W); ``tag``
        names what is stored (another ``run`` of the same backbone)."""
        prefix = hashlib.sha256(
            f'{tag};{self.fingerprint(backbone)};'
            f'{_autocast_state(images.device)};'
            f'torch={torch.__version__};'.encode())
        names = []
        for image in images.detach().cpu().contiguous():
            digest = prefix.copy()
            digest.update(f'{tuple(image.shape)}:{image.dtype};'.encode())
            raw = image.reshape(-1).view(torch.uint8)
            digest.update(raw.numpy().tobytes())
            names.append(digest.hexdigest())
        return names

    def path(self, key: str) -> str:
        """The file of entry ``key``."""
        return osp.join(self.root, key[:2], f'{key}.pt')

    def _read(self, key: str) -> Outputs:
        path = self.path(key)
        try:
            outputs = torch.load(path, map_location='cpu', weights_only=True)
        except Exception as err:  # a truncated or foreign file
            raise RuntimeError(
                f'{path}: unreadable backbone-cache entry ({err}); delete '
                'the file (or the cache folder) and run again') from err
        if (not isinstance(outputs, tuple) or not outputs
                or not all(isinstance(t, Tensor) for t in outputs)):
            raise RuntimeError(
                f'{path}: expected a tuple of tensors (a backbone-cache '
                f'entry), got {type(outputs).__name__}; delete the file and '
                'run again')
        return outputs

    def _write(self, key: str, outputs: Outputs) -> None:
        path = self.path(key)
        os.makedirs(osp.dirname(path), exist_ok=True)
        torch_save_atomic(tuple(t.detach().cpu().clone() for t in outputs),
                          path, 'backbone-cache entry ')

    def __call__(self, backbone: nn.Module, images: Tensor,
                 run: Optional[Callable[[Tensor], Sequence[Tensor]]] = None,
                 tag: str = 'outputs') -> Outputs:
        """The backbone's outputs of ``images``, read or computed.

        Args:
            backbone (nn.Module): the frozen backbone (its weights are the
                key; it is called unless ``run`` is given).
            images (Tensor): (N, 3, H, W) normalised images.
            run (callable, optional): computes the outputs of a sub-batch
                with ``backbone``; default ``backbone`` itself.
            tag (str): what ``run`` computes, part of the key (each
                ``run`` its own tag).

        Returns:
            tuple[Tensor]: the backbone's outputs, each (N, ...), on
            ``images``' device.
        """
        run = (lambda x: tuple(backbone(x))) if run is None else run
        keys = self.keys(backbone, images, tag)
        cached = [osp.isfile(self.path(k)) for k in keys]
        missing = [i for i, hit in enumerate(cached) if not hit]
        computed: List[Optional[Outputs]] = [None] * len(keys)
        if missing:
            subset = images if len(missing) == len(keys) else images[missing]
            outputs = run(subset)
            if not isinstance(outputs, tuple):
                raise TypeError(f'{_WHERE}: run must return a tuple of '
                                f'tensors, got {type(outputs).__name__}')
            for row, index in enumerate(missing):
                computed[index] = tuple(t[row] for t in outputs)
                self._write(keys[index], computed[index])
            if len(missing) == len(keys):  # nothing read: the batch as run
                self.misses += len(keys)
                return tuple(outputs)
        entries = [computed[i] if computed[i] is not None else
                   self._read(k) for i, k in enumerate(keys)]
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        counts = {len(e) for e in entries}
        if len(counts) != 1:
            raise RuntimeError(f'{self.root}: backbone-cache entries of one '
                               f'batch hold different numbers of outputs '
                               f'{sorted(counts)}')
        return tuple(
            torch.stack([e[j] for e in entries]).to(images.device)
            for j in range(counts.pop()))
