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
