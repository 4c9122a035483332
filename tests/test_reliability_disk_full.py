"""A full disk, named: checkpoints, learning-curve checkpoints and results
written on a small filesystem stop with "no space left on the device", the
path and the size, and leave nothing half-written.

The small filesystem is a 1 MiB tmpfs where the tests may mount one (as
root); elsewhere the writer is mocked to fail as a full disk does. Both
failure paths are covered either way: ``OSError(ENOSPC)`` from a plain
write, and torch's serializer raising ``RuntimeError`` mid-write (its zip
writer: ``unexpected pos ...``), which has no errno.
"""
import errno
import gc
import os
import shutil
import subprocess
from collections import namedtuple
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from sce_mae_mm.engine import build_tool_runner
from sce_mae_mm.fileio import (DiskFullError, safe_write, torch_save_atomic,
                               write_text_atomic)

ROOT = Path(__file__).resolve().parents[1]
TOY_CFG = ROOT / 'tests' / 'configs_toy_runner.py'
TORCH_MID_WRITE = ('[enforce fail at inline_container.cc:672] . unexpected '
                   'pos 8017728 vs 8017616')
Usage = namedtuple('Usage', 'total used free')
SmallFS = namedtuple('SmallFS', 'folder real')
REAL_SAVE = torch.save


@pytest.fixture
def small_fs(tmp_path, monkeypatch):
    """A folder (its name with a space) on a 1 MiB filesystem: a real
    tmpfs where mountable (``real``); else ``torch.save`` to a file writes
    4 KiB then raises torch's mid-write ``RuntimeError``, ``os.write`` and
    mmengine's ``LocalBackend.put`` raise ``ENOSPC``, and the free space
    reads 0."""
    folder = tmp_path / 'small fs'
    folder.mkdir()
    mounted = os.geteuid() == 0 and shutil.which('mount') and (
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs',
                        str(folder)], capture_output=True).returncode == 0)
    if not mounted:
        def torch_save(obj, f, *args, **kwargs):
            if not isinstance(f, (str, os.PathLike)):  # into memory
                return REAL_SAVE(obj, f, *args, **kwargs)
            with open(f, 'wb') as out:
                out.write(b'PK' + bytes(4094))  # partly written
            raise RuntimeError(TORCH_MID_WRITE)

        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, 'No space left on device')

        from mmengine.fileio.backends import LocalBackend
        monkeypatch.setattr(torch, 'save', torch_save)
        monkeypatch.setattr(safe_write, '_write_all', full)
        monkeypatch.setattr(LocalBackend, 'put', full)
        monkeypatch.setattr(safe_write.shutil, 'disk_usage',
                            lambda path: Usage(2**20, 2**20, 0))
    yield SmallFS(folder, bool(mounted))
    if mounted:
        gc.collect()  # torch's writer, kept by a traceback, holds a file
        if subprocess.run(['umount', str(folder)]).returncode:
            subprocess.run(['umount', '-l', str(folder)], check=True)


def test_torch_save_on_a_full_disk(small_fs):
    """torch's own serializer fills the disk: a ``DiskFullError`` naming
    the path, the full disk and the size; the old file is untouched and no
    temporary file is left."""
    folder = small_fs.folder
    target = folder / 'curve_epoch_1.pth'
    REAL_SAVE({'old': torch.zeros(4)}, target)
    old = target.read_bytes()
    weights = {'w': torch.zeros(600_000)}  # 2.4 MB on a 1 MiB disk
    with pytest.raises(DiskFullError) as err:
        torch_save_atomic(weights, target, 'the learning-curve checkpoint ')
    msg = err.value.strerror
    assert err.value.errno == errno.ENOSPC
    assert msg.startswith('could not write the learning-curve checkpoint '
                          f'{target}: no space left on the device (at least '
                          '2.4 MB being written, ')
    assert 'the previous file is unchanged' in msg
    assert target.read_bytes() == old
    assert [p.name for p in folder.iterdir()] == [target.name]


def test_results_file_on_a_full_disk(small_fs):
    """A results file (``write_text_atomic``): ``OSError(ENOSPC)``, named
    the same way; nothing is left under the name."""
    folder = small_fs.folder
    target = folder / 'results.md'
    with pytest.raises(DiskFullError) as err:
        write_text_atomic(target, 'x' * 2_000_000)
    assert err.value.errno == errno.ENOSPC
    assert err.value.strerror.startswith(
        f'could not write {target}: no space left on the device (2.0 MB '
        'being written, ')
    assert 'nothing was written under that name' in err.value.strerror
    assert list(folder.iterdir()) == []


def _fill(folder: Path) -> None:
    """Write a file into ``folder`` until its filesystem is full."""
    fd = os.open(folder / 'filler', os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        with pytest.raises(OSError) as err:
            for _ in range(1024):
                os.write(fd, bytes(4096))
        assert err.value.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_runner_checkpoint_on_a_full_disk(small_fs, tmp_path):
    """A training run whose checkpoint folder is full: the runner's save
    names the path and the full disk; no ``iter_N.pth`` (complete or not)
    and no ``last_checkpoint`` naming one is left."""
    cfg = Config.fromfile(str(TOY_CFG))
    cfg.work_dir = str(tmp_path / 'toy')
    cfg.log_level = 'WARNING'
    cfg.default_hooks.checkpoint.out_dir = str(small_fs.folder)
    if small_fs.real:
        (small_fs.folder / 'toy').mkdir()
        _fill(small_fs.folder)
    with pytest.raises(DiskFullError) as err:
        build_tool_runner(cfg).train()
    msg = err.value.strerror
    path = small_fs.folder / 'toy' / 'iter_1.pth'
    assert msg.startswith(f'could not write checkpoint {path}: no space '
                          'left on the device (')
    assert 'no space left on the device (at least ' in msg
    assert not list(small_fs.folder.rglob('*.pth*'))
    assert not (tmp_path / 'toy' / 'last_checkpoint').exists()


def test_a_runtime_error_with_space_left_is_not_a_full_disk(tmp_path,
                                                            monkeypatch):
    """torch failing for another reason, with the disk not full: the error
    names the path and keeps torch's message, without blaming the disk."""

    def broken(obj, f, *args, **kwargs):
        Path(f).write_bytes(b'PK')
        raise RuntimeError(TORCH_MID_WRITE)

    monkeypatch.setattr(torch, 'save', broken)
    target = tmp_path / 'epoch_1.pth'
    with pytest.raises(RuntimeError) as err:
        torch_save_atomic({'w': torch.zeros(10)}, target)
    assert not isinstance(err.value, OSError)
    assert str(err.value).startswith(f'could not write {target}: '
                                     f'RuntimeError: {TORCH_MID_WRITE}')
    assert list(tmp_path.iterdir()) == []
