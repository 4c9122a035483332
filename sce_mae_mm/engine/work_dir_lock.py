"""One training run per work dir: a lock file holding the owner's pid.

Two runs on one ``--work-dir`` overwrite each other's ``epoch_N.pth`` and
write into one log. :func:`lock_work_dir` takes an exclusive lock on
``<work_dir>/.train.lock`` (a POSIX record lock, ``lockf``) and writes the
pid, host and command into it; a second run fails with
:class:`WorkDirLockedError` naming the work dir and the pid that holds it.
The operating system drops the lock when the owner exits, however it ends
(SIGKILL included), and forked data-loader workers do not inherit it, so a
stale file never blocks a ``--resume``.
"""
import fcntl
import os
import os.path as osp
import socket
import sys
from typing import Dict, Optional, TextIO

LOCK_NAME = '.train.lock'

# work dir (real path) -> open lock file held by this process
_HELD: Dict[str, TextIO] = {}


class WorkDirLockedError(RuntimeError):
    """Another live run holds the work dir."""


def lock_path(work_dir: str) -> str:
    """The lock file of ``work_dir``."""
    return osp.join(work_dir, LOCK_NAME)


def lock_work_dir(work_dir: str) -> str:
    """Take the work dir for this process (re-entrant within a process).

    Raises:
        WorkDirLockedError: a live process holds it.

    Returns:
        the lock file path.
    """
    os.makedirs(work_dir, exist_ok=True)
    key = osp.realpath(work_dir)
    path = lock_path(work_dir)
    if key in _HELD:
        return path
    handle = open(path, 'a+')
    try:
        fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        owner = handle.read().strip() or 'unknown'
        handle.close()
        raise WorkDirLockedError(
            f'work dir {work_dir} is in use by another training run '
            f'({owner}; lock file {path}); choose another --work-dir or wait '
            'for that run to finish') from None
    handle.seek(0)
    handle.truncate()
    handle.write(f'pid {os.getpid()} on {socket.gethostname()}: '
                 f'{" ".join(sys.argv)}\n')
    handle.flush()
    _HELD[key] = handle
    return path


def unlock_work_dir(work_dir: str) -> None:
    """Release a lock taken by :func:`lock_work_dir` (no-op if not held)."""
    handle: Optional[TextIO] = _HELD.pop(osp.realpath(work_dir), None)
    if handle is None:
        return
    try:
        handle.seek(0)
        handle.truncate()
        fcntl.lockf(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def holds_work_dir(work_dir: str) -> bool:
    """Whether this process holds the work dir's lock."""
    return osp.realpath(work_dir) in _HELD
