"""The face cache (issue 27): built once, byte-exact with the JPEG
pipeline, and refused (saying what changed) when it no longer matches its
source; a killed build resumes, a full disk names the path."""
import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS
from PIL import Image

from sce_mae_mm.datasets.face_cache import CachedFaceDataset, FaceCacheError
from sce_mae_mm.datasets.face_cache import builder as cache_builder
from sce_mae_mm.datasets.face_cache import manifest_path
from sce_mae_mm.datasets.face_cache.builder import build_face_cache
from sce_mae_mm.datasets.transforms import ImageReadError

ROOT = Path(__file__).resolve().parents[1]
CACHED_CFG = ROOT / 'configs' / 'synthetic' / (
    'sce_mae_deit_t_stage1_synthetic_cached.py')
HEAD = [dict(type='LoadImage'), dict(type='DVEFaceCrop', resize=136,
                                     crop=96)]


def _reader(root: Path) -> dict:
    return dict(type='CelebADataset', data_root=str(root), split='train',
                check_size=False)


def _config(root: Path, cache: Path) -> Config:
    """The synthetic cached stage-1 config on ``root`` / ``cache``."""
    cfg = Config.fromfile(str(CACHED_CFG))
    cfg.train_dataloader.dataset.dataset.data_root = str(root)
    cfg.train_dataloader.dataset.cache = str(cache)
    return cfg


def _cached(root: Path, cache: Path, **kwargs) -> CachedFaceDataset:
    init_default_scope('mmpose')
    return CachedFaceDataset(cache=str(cache), dataset=_reader(root),
                             **kwargs)


@pytest.fixture
def celeba(synthetic_root, tmp_path) -> Path:
    """A private copy of the synthetic CelebA layout (tests edit it)."""
    dst = tmp_path / 'celeba'
    shutil.copytree(synthetic_root / 'celeba', dst)
    return dst


@pytest.fixture
def built(celeba, tmp_path):
    """(root, cache) with a finished cache."""
    cache = tmp_path / 'cache' / 'train.npy'
    summary = build_face_cache(_config(celeba, cache), progress=False,
                               chunk=8)
    assert not summary['up_to_date'] and summary['resumed_from'] == 0
    return celeba, cache


def _assert_same(a: dict, b: dict, where: str) -> None:
    """Two result dicts hold the same keys, dtypes and bytes."""
    assert set(a) == set(b), (where, set(a) ^ set(b))
    for key, va in a.items():
        vb = b[key]
        assert type(va) is type(vb), (where, key)
        if isinstance(va, np.ndarray):
            assert va.dtype == vb.dtype and va.shape == vb.shape, (where, key)
            assert va.tobytes() == vb.tobytes(), (where, key)
        else:
            assert va == vb, (where, key, va, vb)


def test_every_cached_crop_equals_the_jpeg_pipeline(built):
    """Equality 1: each cached sample (pixels and every key the head
    writes) equals the JPEG pipeline head's output byte for byte."""
    root, cache = built
    jpeg = DATASETS.build(dict(_reader(root), pipeline=HEAD))
    cached = _cached(root, cache)
    assert len(cached) == len(jpeg) > 16
    arr = np.load(cache)
    assert arr.dtype == np.uint8 and arr.shape == (len(jpeg), 96, 96, 3)
    for i in range(len(jpeg)):
        _assert_same(jpeg[i], cached[i], f'sample {i}')
    # the batched gather gives the same samples
    idx = [5, 0, 3, 3]
    for k, sample in enumerate(cached.__getitems__(idx)):
        _assert_same(cached[idx[k]], sample, f'batch item {k}')
    manifest = cached.reader.metainfo  # the reader's metainfo is served
    assert manifest['dataset_name'] == 'celeba'


def _train_image(root: Path, k: int) -> dict:
    """Training sample ``k``'s data info (image path, list line)."""
    init_default_scope('mmpose')
    return DATASETS.build(_reader(root)).get_data_info(k)


def test_stale_manifest_says_what_changed(built):
    root, cache = built
    assert build_face_cache(_config(root, cache),
                            progress=False)['up_to_date']
    img = Path(_train_image(root, 2)['img_path'])
    name = img.name.replace('.', r'\.')
    # an image touched: same bytes, newer mtime
    st = img.stat()
    os.utime(img, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with pytest.raises(FaceCacheError, match=f'{name} was modified'):
        _cached(root, cache)
    assert len(_cached(root, cache, check_files=False)) > 0
    # re-encoded: another size
    Image.open(img).save(img, quality=40)
    with pytest.raises(FaceCacheError, match=f'{name} changed size'):
        _cached(root, cache)
    # the builder rebuilds a stale cache
    summary = build_face_cache(_config(root, cache), progress=False)
    assert not summary['up_to_date']
    assert len(_cached(root, cache)) > 0


def test_changed_count_list_file_and_head(built):
    root, cache = built
    with pytest.raises(FaceCacheError, match='pipeline head changed'):
        _cached(root, cache, head=[HEAD[0], dict(HEAD[1], resize=140)])
    part = root / 'Eval' / 'list_eval_partition.txt'
    lines = part.read_text().splitlines()
    k = next(i for i, t in enumerate(lines) if t.split()[1] == '0')
    n = len(_cached(root, cache))
    lines[k] = lines[k].split()[0] + ' 1'  # one training image to val
    part.write_text('\n'.join(lines) + '\n')
    with pytest.raises(FaceCacheError,
                       match=f'holds {n} images but the dataset now gives '
                       f'{n - 1}'):
        _cached(root, cache)
    lines[k] = lines[k].split()[0] + ' 0'
    part.write_text('\n'.join(lines) + '\n# a comment\n'[:-12] + '\n')
    with pytest.raises(FaceCacheError,
                       match=r'list file Eval/list_eval_partition\.txt '
                       'changed'):
        _cached(root, cache)


def test_truncated_and_foreign_npy(built):
    root, cache = built
    data = cache.read_bytes()
    cache.write_bytes(data[:len(data) // 2])
    with pytest.raises(FaceCacheError, match=r'train\.npy is truncated'):
        _cached(root, cache)
    np.save(cache, np.zeros((3, 96, 96, 3), np.float32))
    with pytest.raises(FaceCacheError, match='expected a face cache'):
        _cached(root, cache)
    n = len(DATASETS.build(_reader(root)))
    np.save(cache, np.zeros((n + 1, 96, 96, 3), np.uint8))
    with pytest.raises(FaceCacheError, match='foreign file'):
        _cached(root, cache)
    cache.write_bytes(b'not an array')
    with pytest.raises(FaceCacheError, match=r'is not a \.npy array'):
        _cached(root, cache)
    os.remove(manifest_path(str(cache)))
    with pytest.raises(FaceCacheError, match='no finished face cache'):
        _cached(root, cache)


def _no_finished_cache(cache: Path) -> None:
    assert not cache.exists()
    assert not Path(manifest_path(str(cache))).exists()


def test_corrupt_image_names_file_and_line(celeba, tmp_path):
    info = _train_image(celeba, 5)
    img = Path(info['img_path'])
    img.write_bytes(b'\xff\xd8 not a jpeg')
    cache = tmp_path / 'c.npy'
    with pytest.raises(ImageReadError) as err:
        build_face_cache(_config(celeba, cache), progress=False, chunk=4)
    msg = str(err.value)
    line = f'list_eval_partition.txt, line {info["list_line"]}'
    assert str(img) in msg and line in msg
    _no_finished_cache(cache)
    with pytest.raises(FaceCacheError, match='unfinished build'):
        _cached(celeba, cache)


@pytest.mark.parametrize('where', ['allocate', 'write'])
def test_full_disk_names_the_path(celeba, tmp_path, monkeypatch, where):
    cache = tmp_path / 'c.npy'
    full = OSError(errno.ENOSPC, 'No space left on device')

    def fail(*args):
        raise full

    if where == 'allocate':
        monkeypatch.setattr(os, 'posix_fallocate', fail)
    else:
        real, calls = cache_builder.write_at, []

        def write_then_fail(fd, data, offset):
            calls.append(offset)
            if len(calls) == 3:  # header, one chunk, then full
                raise full
            real(fd, data, offset)

        monkeypatch.setattr(cache_builder, 'write_at', write_then_fail)
    with pytest.raises(OSError) as err:
        build_face_cache(_config(celeba, cache), progress=False, chunk=4)
    assert err.value.errno == errno.ENOSPC
    assert f'{cache}.partial' in str(err.value)
    assert 'no space left' in str(err.value) and 'GB needed' in str(
        err.value)
    assert sorted(os.listdir(tmp_path)) == ['celeba']  # nothing left


def test_kill_mid_build_then_resume(celeba, tmp_path):
    """SIGKILL after two chunks: no finished cache; the same command
    resumes (here with two worker processes) and writes the bytes of an
    uninterrupted build."""
    cache = tmp_path / 'c.npy'
    cfg_file = tmp_path / 'cached.py'
    cfg_file.write_text(
        f"_base_ = ['{CACHED_CFG}']\n"
        f"train_dataloader = dict(dataset=dict(cache='{cache}', "
        f"dataset=dict(data_root='{celeba}')))\n")
    killer = (
        'import os, runpy, signal, sys\n'
        'from sce_mae_mm.datasets.face_cache import builder\n'
        'real, calls = builder.write_at, []\n'
        'def dying(fd, data, offset):\n'
        '    real(fd, data, offset)\n'
        '    calls.append(offset)\n'
        '    if len(calls) == 4:  # header, 2 chunks recorded, a 3rd\n'
        '        os.kill(os.getpid(), signal.SIGKILL)\n'
        'builder.write_at = dying\n'
        f"sys.argv = ['build_face_cache.py', '{cfg_file}', '--chunk', '4']\n"
        "runpy.run_path('tools/build_face_cache.py', run_name='__main__')\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, '-c', killer], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == -9, proc.stderr[-2000:]
    _no_finished_cache(cache)
    assert Path(f'{cache}.partial').is_file()
    with pytest.raises(FaceCacheError, match='rerun tools/build_face_cache'):
        _cached(celeba, cache)
    summary = build_face_cache(Config.fromfile(str(cfg_file)),
                               progress=False, chunk=4, workers=2)
    assert summary['resumed_from'] == 8  # two chunks were recorded
    fresh = tmp_path / 'fresh.npy'
    build_face_cache(Config.fromfile(str(cfg_file)), out=str(fresh),
                     progress=False)
    assert cache.read_bytes() == fresh.read_bytes()
    assert not Path(f'{cache}.partial').exists()
    assert len(_cached(celeba, cache)) == np.load(fresh).shape[0]
