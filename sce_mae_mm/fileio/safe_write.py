"""Atomic text writes whose failures name the file (disk full, ...).

:func:`write_text_atomic` writes to a temporary file in the target's folder,
flushes it to disk and renames it over the target, so a reader sees either
the old file or the complete new one, never a half-written file. On an
``OSError`` (``ENOSPC``, ``EDQUOT``, a read-only folder) the temporary file
is removed, the old file is left as it was, and the error names the target
and the reason.
"""
import os
import os.path as osp
import tempfile
from typing import Optional, Union

PathLike = Union[str, 'os.PathLike[str]']


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


def _write_error(target: str, err: OSError) -> OSError:
    """An ``OSError`` (same errno) naming ``target`` and the reason."""
    kept = ('the previous file is unchanged' if osp.exists(target) else
            'nothing was written under that name')
    msg = (f'could not write {target}: {err.strerror or err} ({kept}; no '
           'temporary file left behind)')
    return OSError(err.errno, msg) if err.errno is not None else OSError(msg)


def _remove_quietly(path: Optional[str]) -> None:
    if path is not None and osp.exists(path):
        try:
            os.remove(path)
        except OSError:
            pass


def write_text_atomic(path: PathLike, text: str,
                      encoding: str = 'utf-8') -> str:
    """Write ``text`` to ``path`` atomically (temporary file + rename).

    Args:
        path: the file to write (its folder must exist).
        text: the whole content.
        encoding: text encoding.

    Raises:
        OSError: the write, flush or rename failed (e.g. ``ENOSPC``); the
            message names ``path`` and the reason, ``path`` keeps its old
            content and no temporary file is left.

    Returns:
        the path written.
    """
    target = os.fspath(path)
    folder = osp.dirname(osp.abspath(target))
    tmp = fd = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(target)}.',
                                   suffix='.tmp', dir=folder)
        _write_all(fd, text.encode(encoding))
        os.fsync(fd)
        os.fchmod(fd, _mode_for(target))
        os.close(fd)
        fd = None
        os.replace(tmp, target)
        tmp = None
    except OSError as err:
        raise _write_error(target, err) from err
    finally:
        if fd is not None:
            os.close(fd)
        _remove_quietly(tmp)
    return target
