"""Atomic writes whose failures name the file and a full disk.

Every file the project writes that a later step reads (checkpoints, the face
cache, results) is written under a temporary name in the target's folder,
flushed to disk and renamed over the target, so a reader (``last_checkpoint``,
``--resume``, the quick start) sees either the old file or the complete new
one, never a half-written file.

A failed write removes the temporary file and raises an error naming the
target. Where the disk (or quota) is full it says "no space left on the
device" with the size being written and the space free before the write.
A full disk is told from the errno of an ``OSError`` (``ENOSPC``,
``EDQUOT``) or, for torch's serializer, which raises ``RuntimeError``
mid-write (``unexpected pos ...`` from its zip writer) with no errno, from
the free space left (``shutil.disk_usage``) compared with the size being
written.

* :func:`write_text_atomic` / :func:`write_bytes_atomic`: text or bytes;
* :func:`save_atomic`: any writer given the temporary path;
* :func:`torch_save_atomic`: ``torch.save`` (learning-curve checkpoints);
  ``SCEMAERunner.save_checkpoint`` wraps mmengine's saver the same way.
"""
import errno
import os
import os.path as osp
import shutil
import tempfile
from typing import Any, Callable, Optional, Union

PathLike = Union[str, 'os.PathLike[str]']
#: errnos of a full disk or an exceeded quota
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class DiskFullError(OSError):
    """No space left on the device (or the quota) writing a file; the
    message names it and the size being written."""


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _mode_for(target: str) -> int:
    """The permission bits of the file being replaced, else 0o644."""
    try:
        return os.stat(target).st_mode & 0o777
    except OSError:
        return 0o644


def _amount(nbytes: int) -> str:
    if nbytes < 10**6:
        return f'{nbytes:,} bytes'
    return f'{nbytes / 1e6:,.1f} MB'


def _free_bytes(folder: str) -> Optional[int]:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def is_disk_full(err: BaseException, folder: str,
                 size: Optional[int] = None) -> bool:
    """Whether ``err``, raised writing ``size`` bytes into ``folder``, comes
    from a full disk: an ``OSError`` by its errno; any other error (torch's
    ``RuntimeError``) when the space left is less than ``size`` (1 MB
    where the size is unknown). Call it before the partial file is
    removed."""
    if isinstance(err, OSError):
        return err.errno in DISK_FULL
    free = _free_bytes(folder)
    return free is not None and free < (size if size else 10**6)


def write_error(target: str, err: BaseException, full: bool,
                size: Optional[int] = None, what: str = '',
                free: Optional[int] = None,
                at_least: bool = False) -> Exception:
    """The error to raise for a failed write of ``target`` (the temporary
    file already removed): :class:`DiskFullError` where ``full``, else an
    ``OSError`` (same errno) or ``RuntimeError`` naming ``target``.

    Args:
        target: the file that was being written.
        err: what the writer raised.
        full: :func:`is_disk_full`'s answer.
        size: bytes being written (exact or estimated), if known.
        what: what the file is, e.g. ``'checkpoint '`` (with a space).
        free: bytes free on its filesystem before the write, if known.
        at_least: ``size`` is a lower bound (the tensors of a checkpoint).
    """
    kept = ('the previous file is unchanged' if osp.exists(target) else
            'nothing was written under that name')
    reason = (err.strerror if isinstance(err, OSError) and err.strerror
              else f'{type(err).__name__}: {err}')
    head = f'could not write {what}{target}: '
    tail = f' ({kept}; no temporary file left behind)'
    if full:
        amounts = ([
            f'{"at least " if at_least else ""}{_amount(size)} being written'
        ] if size else []) + (
            [f'{_amount(free)} free before the write']
            if free is not None else [])
        msg = (f'{head}no space left on the device ('
               f'{", ".join(amounts + [reason])}){tail}; free some space '
               'or write to another disk')
        code = err.errno if isinstance(err, OSError) and err.errno else (
            errno.ENOSPC)
        return DiskFullError(code, msg)
    if isinstance(err, OSError):
        msg = f'{head}{reason}{tail}'
        return OSError(err.errno, msg) if err.errno is not None else (
            OSError(msg))
    return RuntimeError(f'{head}{reason}{tail}')


def _remove_quietly(path: Optional[str]) -> None:
    if path is not None and osp.exists(path):
        try:
            os.remove(path)
        except OSError:
            pass


def save_atomic(path: PathLike, write: Callable[[str], Any], what: str = '',
                size: Union[None, int, Callable[[], int]] = None) -> str:
    """Run ``write(tmp)`` for a temporary path beside ``path``, flush it to
    disk and rename it to ``path``.

    Args:
        path: the file to write (its folder must exist).
        write: writes the whole file at the path it is given.
        what: what the file is, for the message (``'checkpoint '``).
        size: the bytes being written, or a function giving a lower
            bound (called only on a failure).

    Raises:
        DiskFullError: the disk or quota is full (the message names
            ``path`` and the size); ``path`` is unchanged, no temporary
            file is left.
        OSError, RuntimeError: another failure, naming ``path``.

    Returns:
        the path written.
    """
    target = os.fspath(path)
    folder = osp.dirname(osp.abspath(target))
    tmp = f'{target}.tmp-{os.getpid()}'
    free = _free_bytes(folder)
    try:
        write(tmp)
        with open(tmp, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except (OSError, RuntimeError) as err:
        nbytes = size() if callable(size) else size
        full = is_disk_full(err, folder, nbytes)
        _remove_quietly(tmp)
        raise write_error(target, err, full, nbytes, what, free,
                          callable(size)) from err
    except BaseException:  # e.g. an object torch cannot pickle
        _remove_quietly(tmp)
        raise
    return target


def tensor_bytes(obj: Any) -> int:
    """The bytes of the tensors held by ``obj`` (dicts, lists, tuples,
    tensors; storages shared between tensors counted once): a lower bound
    of the size ``torch.save`` writes."""
    import torch
    seen, total, stack = set(), 0, [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor):
            storage = item.untyped_storage()
            key = (item.device, storage.data_ptr())
            if key not in seen:
                seen.add(key)
                total += storage.nbytes()
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return total


def torch_save_atomic(obj: Any, path: PathLike, what: str = '') -> str:
    """``torch.save(obj, path)`` through :func:`save_atomic`."""
    import torch
    return save_atomic(path, lambda tmp: torch.save(obj, tmp), what,
                       lambda: tensor_bytes(obj))


def write_bytes_atomic(path: PathLike, data: bytes, what: str = '') -> str:
    """Write ``data`` to ``path`` atomically (temporary file + rename).

    Raises:
        DiskFullError, OSError: as :func:`write_text_atomic`.

    Returns:
        the path written.
    """
    target = os.fspath(path)
    folder = osp.dirname(osp.abspath(target))
    tmp = fd = None
    free = _free_bytes(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(target)}.',
                                   suffix='.tmp', dir=folder)
        _write_all(fd, data)
        os.fsync(fd)
        os.fchmod(fd, _mode_for(target))
        os.close(fd)
        fd = None
        os.replace(tmp, target)
        tmp = None
    except OSError as err:
        full = is_disk_full(err, folder, len(data))
        if fd is not None:
            os.close(fd)
            fd = None
        _remove_quietly(tmp)
        raise write_error(target, err, full, len(data), what, free) from err
    finally:
        if fd is not None:
            os.close(fd)
        _remove_quietly(tmp)
    return target


def write_text_atomic(path: PathLike, text: str,
                      encoding: str = 'utf-8') -> str:
    """Write ``text`` to ``path`` atomically (temporary file + rename).

    Args:
        path: the file to write (its folder must exist).
        text: the whole content.
        encoding: text encoding.

    Raises:
        DiskFullError: the disk or quota is full; the message names
            ``path``, "no space left on the device" and the size.
        OSError: another failure of the write, flush or rename; the message
            names ``path`` and the reason. Either way ``path`` keeps its
            old content and no temporary file is left.

    Returns:
        the path written.
    """
    return write_bytes_atomic(path, text.encode(encoding))
