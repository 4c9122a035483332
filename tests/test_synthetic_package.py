"""The synthetic face generator is its own package: the readers never import
it, and moving it kept every generated file byte for byte."""
import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

from sce_mae_mm.datasets.synthetic import make_synthetic_faces

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATASETS = ROOT / 'sce_mae_mm' / 'datasets'
#: sha256 of every file of ``make_synthetic_faces(out, num=40, seed=3)``
#: (= ``tools/make_synthetic_faces.py --num 40 --seed 3``), recorded with
#: the generator before it moved into ``sce_mae_mm/datasets/synthetic/``
HASHES = ROOT / 'tests' / 'data' / 'synthetic_num40_seed3_sha256.json'
IMAGE_SUFFIXES = ('.jpg', '.png')
#: the manifest stores every landmark at 4 decimals from float64 math whose
#: last bits depend on the CPU's SIMD paths of numpy's sin / cos (AVX-512
#: against AVX2): its bytes are compared within one machine
#: (:func:`test_manifest_is_the_same_twice`), not against the recording
CPU_DEPENDENT = ('synthetic_manifest.json', )


def file_hashes(root: pathlib.Path) -> dict:
    """sha256 of every file under ``root``, by its posix relative path."""
    return {
        p.relative_to(root).as_posix():
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob('*')) if p.is_file()
    }


def test_readers_do_not_import_the_generator():
    code = ('import sys; import sce_mae_mm, sce_mae_mm.datasets; '
            'print(sorted(m for m in sys.modules '
            "if m.startswith('sce_mae_mm.datasets.synthetic')))")
    env = dict(os.environ, OMP_NUM_THREADS='1')
    out = subprocess.run([sys.executable, '-c', code], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == '[]', out.stdout


def test_no_reader_module_names_the_generator():
    """No module of ``sce_mae_mm/datasets`` outside ``synthetic/`` (nor any
    other module of the package) imports the generator."""
    pattern = re.compile(
        r'^\s*(from|import)\s+[\w.]*synthetic\b'
        r'|^\s*from\s+[\w.]+\s+import\s+[^#\n]*\bsynthetic\b'
        r'|import_module\(\s*[\'"][\w.]*synthetic\b', re.M)
    offenders = []
    for path in (ROOT / 'sce_mae_mm').rglob('*.py'):
        if (DATASETS / 'synthetic') in path.parents:
            continue
        text = path.read_text(encoding='utf-8')
        if pattern.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


def test_old_generator_modules_are_gone():
    for name in ('synthetic_faces', 'face_renderer', 'face_geometry',
                 'face_drawing'):
        assert not (DATASETS / f'{name}.py').exists(), name


@pytest.fixture(scope='module')
def recorded():
    with open(HASHES) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def generated(tmp_path_factory, recorded):
    out = tmp_path_factory.mktemp('syn_num40_seed3')
    make_synthetic_faces(str(out), num=recorded['num'],
                         seed=recorded['seed'])
    return file_hashes(out)


def test_same_files(generated, recorded):
    assert sorted(generated) == sorted(recorded['sha256'])


def _check(generated, recorded, images: bool):
    if recorded['numpy'] != np.__version__:
        pytest.skip(f'hashes recorded with numpy {recorded["numpy"]}, '
                    f'this is {np.__version__}')
    if images and recorded['opencv'] != cv2.__version__:
        pytest.skip(f'image hashes recorded with OpenCV {recorded["opencv"]}'
                    f', this is {cv2.__version__} (its JPEG encoder and '
                    'drawing may differ)')
    differ = [name for name, digest in recorded['sha256'].items()
              if name.endswith(IMAGE_SUFFIXES) == images
              and name not in CPU_DEPENDENT
              and generated.get(name) != digest]
    assert not differ, f'{len(differ)} files differ, e.g. {differ[:5]}'


def test_annotation_files_byte_identical(generated, recorded):
    """Text, .pts, .mat and .csv (the manifest: see CPU_DEPENDENT)."""
    _check(generated, recorded, images=False)


def test_manifest_is_the_same_twice(generated, recorded, tmp_path):
    make_synthetic_faces(str(tmp_path), num=recorded['num'],
                         seed=recorded['seed'])
    again = file_hashes(tmp_path)
    assert again['synthetic_manifest.json'] == \
        generated['synthetic_manifest.json']


def test_images_byte_identical(generated, recorded):
    _check(generated, recorded, images=True)


if __name__ == '__main__':
    # python tests/test_synthetic_package.py OUT: record the hashes of a set
    # made by `tools/make_synthetic_faces.py --out OUT --num 40 --seed 3`
    out = pathlib.Path(sys.argv[1])
    with open(out / 'synthetic_manifest.json') as f:
        manifest = json.load(f)
    record = dict(num=manifest['num'], seed=manifest['seed'],
                  numpy=np.__version__, opencv=cv2.__version__,
                  sha256=file_hashes(out))
    with open(HASHES, 'w') as f:
        json.dump(record, f, indent=1, sort_keys=True)
        f.write('\n')
    print(f'wrote {HASHES}: {len(record["sha256"])} files')
