"""The suite's global-state check (tests/conftest.py, tests/global_state.py):
a test that leaves process-global state changed fails, naming the change,
and the next test finds the state as it was; every test starts from the
same seeded random generators."""
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import torch
from global_state import (GlobalStateLeak, changes, flush_denormal_enabled,
                          guard, snapshot)

TESTS = Path(__file__).resolve().parent


class Leaky:
    """A class allow-listed for torch.load by a leaking test."""


def _other_backend() -> str:
    return 'pdf' if matplotlib.get_backend().lower() != 'pdf' else 'svg'


LEAKS = {
    'torch threads': lambda tmp: torch.set_num_threads(
        torch.get_num_threads() + 1),
    'torch default dtype': lambda tmp: torch.set_default_dtype(
        torch.float64),
    'CPU autocast': lambda tmp: torch.set_autocast_enabled('cpu', True),
    'CPU autocast dtype': lambda tmp: torch.set_autocast_dtype(
        'cpu', torch.float16),
    'torch deterministic algorithms': lambda tmp: (
        torch.use_deterministic_algorithms(True)),
    'torch grad mode': lambda tmp: torch.set_grad_enabled(False),
    'torch.serialization safe globals': lambda tmp: (
        torch.serialization.add_safe_globals([Leaky])),
    'matplotlib backend': lambda tmp: matplotlib.use(_other_backend()),
    'working directory': lambda tmp: os.chdir(tmp),
    'environment variables': lambda tmp: os.environ.update(
        SCE_MAE_LEAK='1'),
    'sys.path': lambda tmp: sys.path.append(str(tmp)),
}


@pytest.mark.parametrize('name', sorted(LEAKS))
def test_guard_names_the_leak_and_puts_the_state_back(name, tmp_path):
    before = snapshot()
    with pytest.raises(GlobalStateLeak) as err:
        with guard('tests/test_x.py::test_leaks'):
            LEAKS[name](tmp_path)
    msg = str(err.value)
    assert msg.startswith('tests/test_x.py::test_leaks left process-global '
                          'state changed:\n  ')
    assert len(msg.splitlines()) == 2, msg  # exactly one change named
    assert name.split(' dtype')[0] in msg
    assert changes(before, snapshot()) == []


def test_guard_names_the_flush_denormal_flag():
    """Where this CPU can flush subnormals (x86 with SSE), a test that
    turns flushing on is caught like any other."""
    if not torch.set_flush_denormal(False):
        assert not flush_denormal_enabled()
        return  # the CPU cannot flush: there is no flag to leak
    with pytest.raises(GlobalStateLeak, match=r'torch flush-denormal flag: '
                       r'False -> True'):
        with guard('test_flush'):
            torch.set_flush_denormal(True)
    assert not flush_denormal_enabled()


def test_guard_message_lists_environment_changes(monkeypatch):
    monkeypatch.setenv('SCE_MAE_KEPT', 'a')
    with pytest.raises(GlobalStateLeak) as err:
        with guard('t'):
            os.environ['SCE_MAE_NEW'] = 'x y'
            del os.environ['SCE_MAE_KEPT']
    assert ("environment variables: SCE_MAE_NEW set to 'x y', SCE_MAE_KEPT "
            'removed') in str(err.value)
    assert os.environ['SCE_MAE_KEPT'] == 'a'


def test_a_test_starts_from_seeded_generators():
    """Whatever ran before, the global generators are those of seed 0."""
    assert torch.equal(torch.rand(3),
                       torch.rand(3, generator=torch.Generator()
                                  .manual_seed(0)))
    assert np.array_equal(np.random.rand(3),
                          np.random.RandomState(0).rand(3))
    assert random.random() == random.Random(0).random()


def test_the_suite_fails_a_leaking_test(tmp_path):
    """The conftest in a session of its own: the leaking test errors at
    teardown naming the change; the test after it passes with the state
    put back."""
    for name in ('conftest.py', 'global_state.py'):
        shutil.copy(TESTS / name, tmp_path / name)
    (tmp_path / 'test_leak.py').write_text(
        'import torch\n\n'
        'def test_leaks():\n'
        '    torch.set_num_threads(torch.get_num_threads() + 1)\n\n'
        'def test_after():\n'
        '    assert torch.get_num_threads() == 1\n')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
         'test_leak.py'],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert 'test_leak.py::test_leaks left process-global state changed:' \
        in out
    assert 'torch threads: 1 -> 2' in out
    assert re.search(r'\b2 passed\b.*\b1 error\b', out), out
