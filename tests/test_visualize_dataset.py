"""tools/visualize_dataset.py reads images through the project's loader."""
import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from sce_mae_mm.datasets.transforms import ImageReadError

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location(
        'visualize_dataset', ROOT / 'tools' / 'visualize_dataset.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _manifest_root(tmp_path: Path, corrupt: bool) -> Path:
    """A manifest of two faces (one per set); the second file is garbage
    when ``corrupt``."""
    rng = np.random.default_rng(0)
    faces = []
    for k, name in enumerate(('celeba', 'aflw_m')):
        (tmp_path / name).mkdir(parents=True)
        path = tmp_path / name / f'{k}.png'
        cv2.imwrite(str(path), rng.integers(0, 255, (40, 32, 3),
                                            dtype=np.uint8))
        if corrupt and k == 1:
            path.write_bytes(b'not an image')
        faces.append(dict(dataset=name, root=name, file=f'{k}.png',
                          split='train', kpts5=rng.uniform(5, 25,
                                                           (5, 2)).tolist(),
                          kpts68=rng.uniform(5, 25, (68, 2)).tolist()))
    (tmp_path / 'synthetic_manifest.json').write_text(
        json.dumps(dict(faces=faces)))
    return tmp_path


def test_manifest_sheets_read_through_the_image_loader(tmp_path):
    tool = _tool()
    good = _manifest_root(tmp_path / 'good', corrupt=False)
    tool.manifest_sheets(str(good), str(tmp_path / 'good'), num=2, size=64)
    sheet = cv2.imread(str(tmp_path / 'good' / 'faces_5pt.png'))
    assert sheet is not None  # two 64-px tiles side by side
    assert sheet.shape[0] >= 64 and sheet.shape[1] >= 2 * 64
    bad = _manifest_root(tmp_path / 'bad', corrupt=True)
    with pytest.raises(ImageReadError) as info:
        tool.manifest_sheets(str(bad), str(tmp_path / 'bad'), num=2,
                             size=64)
    message = str(info.value)
    assert str(bad / 'aflw_m' / '1.png') in message
    assert 'synthetic_manifest.json' in message and 'face 1' in message
