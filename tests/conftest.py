"""Shared fixtures: a small synthetic face set in the real layouts."""
import json
import pathlib

import pytest


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
