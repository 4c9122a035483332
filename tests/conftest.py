"""Shared fixtures: a small synthetic face set in the real layouts, and a
check that no test leaves process-global state changed."""
import json
import pathlib

import pytest
from global_state import GlobalStateLeak, guard, seed_global_rngs


def pytest_configure(config) -> None:
    """The generators seeded before the first session fixture."""
    seed_global_rngs()


@pytest.fixture(autouse=True)
def no_global_state_leak(request):
    """Each test starts from seeded global generators; a test that leaves
    torch's threads, dtype, flush-denormal flag, autocast, deterministic
    flags or safe globals, matplotlib's backend, the working directory, the
    environment or ``sys.path`` changed fails, naming what changed
    (tests/global_state.py). The state is then put back and the
    generators reseeded, so a fixture set up before the next test, and
    that test, see the same state whatever ran before."""
    try:
        with guard(request.node.nodeid):
            yield
    except GlobalStateLeak as leak:
        pytest.fail(str(leak), pytrace=False)


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory) -> pathlib.Path:
    """80 generated faces (seed 0) written once per session.

    Holds ``celeba/``, ``aflw-mtfl/``, ``aflw/aflw_release-2/``,
    ``300w/300w/`` and ``synthetic_manifest.json`` (about 1 s to make).
    """
    from sce_mae_mm.datasets.synthetic import make_synthetic_faces
    root = tmp_path_factory.mktemp('synthetic_faces')
    make_synthetic_faces(str(root), num=80, seed=0)
    return root


@pytest.fixture(scope='session')
def synthetic_manifest(synthetic_root) -> dict:
    """The generator's own record of ``synthetic_root`` (see
    ``sce_mae_mm.datasets.synthetic.make_synthetic_faces``)."""
    with open(synthetic_root / 'synthetic_manifest.json') as f:
        return json.load(f)


@pytest.fixture(scope='session', autouse=True)
def runner_checkpoint_globals():
    """The tests read runner checkpoints with plain ``torch.load`` and
    mmengine's ``load_checkpoint``, as a user who allow-lists mmengine's
    types once does; ``import sce_mae_mm`` itself leaves torch's allow-list
    alone (checked in a fresh process, tests/test_packaging.py)."""
    from sce_mae_mm.checkpoint import register_safe_globals
    register_safe_globals()
