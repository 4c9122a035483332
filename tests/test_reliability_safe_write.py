"""write_text_atomic: a full disk leaves the old file and no temporary, and
the error says so (tests/test_reliability_disk_full.py: the other writers)."""
import errno
import os
import re

import pytest

from sce_mae_mm.fileio import DiskFullError, safe_write, write_text_atomic


def test_write_text_atomic_writes_and_replaces(tmp_path):
    target = tmp_path / 'summary.md'
    assert write_text_atomic(target, 'first\n') == str(target)
    assert target.read_text() == 'first\n'
    target.chmod(0o640)
    write_text_atomic(str(target), 'second\n')
    assert target.read_text() == 'second\n'
    assert target.stat().st_mode & 0o777 == 0o640  # mode kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ['summary.md']


@pytest.mark.parametrize('old', [True, False])
def test_write_text_atomic_disk_full(tmp_path, monkeypatch, old):
    """ENOSPC half-way through the write: the message names the file and
    the reason; an old file is untouched; no temporary file is left."""
    target = tmp_path / 'results.json'
    if old:
        target.write_text('{"old": 1}\n')
    real_write = os.write

    def full_disk(fd, data):
        real_write(fd, bytes(data[:len(data) // 2]))  # partly written
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(safe_write.os, 'write', full_disk)
    text = '{"new": 2, "padding": "' + 'x' * 500 + '"}\n'
    with pytest.raises(DiskFullError) as err:
        write_text_atomic(target, text)
    monkeypatch.undo()
    msg = err.value.strerror
    assert err.value.errno == errno.ENOSPC
    assert msg.startswith(f'could not write {target}: no space left on the '
                          f'device ({len(text)} bytes being written, ')
    kept = ('the previous file is unchanged' if old else
            'nothing was written under that name')
    assert msg.endswith(' free before the write, No space left on device) ('
                        f'{kept}; no temporary file left behind); free some '
                        'space or write to another disk')
    if old:
        assert 'previous file is unchanged' in msg
        assert target.read_text() == '{"old": 1}\n'
        assert [p.name for p in tmp_path.iterdir()] == ['results.json']
    else:
        assert 'nothing was written' in msg
        assert list(tmp_path.iterdir()) == []


def test_write_text_atomic_missing_folder(tmp_path):
    target = tmp_path / 'no_such_dir' / 'out.txt'
    with pytest.raises(OSError,
                       match=re.escape(f'could not write {target}: ')):
        write_text_atomic(target, 'x')
    assert not target.parent.exists()
