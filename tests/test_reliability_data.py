"""Readers refuse values that are not landmarks, naming file and line;
images that cannot be decoded are named with their list-file line."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from mmengine.registry import init_default_scope
from PIL import Image

from sce_mae_mm.datasets import (AFLWMDataset, AFLWRDataset, CelebADataset,
                                 Face300WDVEDataset, MAFLDataset,
                                 MAFLMatchingDataset)
from sce_mae_mm.datasets.face_dataset import DatasetFormatError
from sce_mae_mm.datasets.transforms import ImageReadError


def _copy(synthetic_root: Path, tmp_path: Path, name: str) -> Path:
    dst = tmp_path / name
    shutil.copytree(synthetic_root / name, dst)
    return dst


def _edit_line(path: Path, line: int, edit) -> None:
    """Replace 1-based ``line`` of a text file by ``edit(old)``."""
    lines = path.read_text().splitlines()
    lines[line - 1] = edit(lines[line - 1])
    path.write_text('\n'.join(lines) + '\n')


@pytest.mark.parametrize('value', ['nan', 'inf', '-inf'])
def test_celeba_non_finite_landmark(synthetic_root, tmp_path, value):
    root = _copy(synthetic_root, tmp_path, 'celeba')
    lm = root / 'Anno' / 'list_landmarks_align_celeba.txt'
    _edit_line(lm, 4, lambda t: ' '.join(t.split()[:3] + [value] +
                                         t.split()[4:]))
    with pytest.raises(DatasetFormatError) as err:
        MAFLDataset(str(root), split='test', check_size=False)
    msg = str(err.value)
    assert str(lm) in msg and 'line 4' in msg and 'non-finite' in msg


def test_mtfl_non_finite_landmark(synthetic_root, tmp_path):
    root = _copy(synthetic_root, tmp_path, 'aflw-mtfl')
    test = root / 'MTFL' / 'testing.txt'
    _edit_line(test, 2, lambda t: ' '.join(t.split()[:2] + ['NaN'] +
                                           t.split()[3:]))
    with pytest.raises(DatasetFormatError,
                       match=r'testing\.txt, line 2: .*non-finite'):
        AFLWMDataset(str(root), split='test', check_size=False)


def test_mtfl_landmark_far_outside(synthetic_root, tmp_path):
    """An x = 5000 test label in a 150-px image: refused, or excluded with a
    warning when asked."""
    root = _copy(synthetic_root, tmp_path, 'aflw-mtfl')
    test = root / 'MTFL' / 'testing.txt'
    _edit_line(test, 3, lambda t: ' '.join(t.split()[:1] + ['5000'] +
                                           t.split()[2:]))
    with pytest.raises(DatasetFormatError) as err:
        AFLWMDataset(str(root), split='test', check_size=False)
    msg = str(err.value)
    assert f'{test}, line 3' in msg and '150x150' in msg
    assert "outside_landmarks='exclude'" in msg
    full = AFLWMDataset(str(synthetic_root / 'aflw-mtfl'), split='test',
                        check_size=False)
    with pytest.warns(UserWarning, match=r'testing\.txt, line 3.*excluded'):
        kept = AFLWMDataset(str(root), split='test', check_size=False,
                            outside_landmarks='exclude')
    assert len(kept) == len(full) - 1
    with pytest.raises(ValueError, match='outside_landmarks'):
        AFLWMDataset(str(root), split='test', check_size=False,
                     outside_landmarks='ignore')


def test_aflw_m_train_row_far_outside(synthetic_root, tmp_path):
    """A (-400, -400) point in a 150-px training row."""
    root = _copy(synthetic_root, tmp_path, 'aflw-mtfl')
    csv = root / 'aflw_cropped' / 'facedata_cropped.csv'
    _edit_line(csv, 2, lambda t: ','.join(t.split(',')[:4] +
                                          ['-400', '-400'] +
                                          t.split(',')[6:]))
    with pytest.raises(DatasetFormatError,
                       match=r'facedata_cropped\.csv, line 2: landmarks '
                       r'\[0\]'):
        AFLWMDataset(str(root), split='train', check_size=False)


def test_aflw_r_non_finite_mat(synthetic_root, tmp_path):
    root = _copy(synthetic_root, tmp_path, 'aflw')
    mat_file = root / 'aflw_release-2' / 'aflw_test_keypoints.mat'
    mat = scipy.io.loadmat(str(mat_file))
    mat['gt'][1, 2, 0] = np.nan
    scipy.io.savemat(str(mat_file), {'gt': mat['gt'], 'hw': mat['hw']})
    with pytest.raises(DatasetFormatError,
                       match=r'aflw_test_keypoints\.mat: "gt" rows \[2\]'):
        AFLWRDataset(str(root / 'aflw_release-2'), split='test',
                     check_size=False)


def test_300w_non_finite_point(synthetic_root, tmp_path):
    root = _copy(synthetic_root, tmp_path, '300w')
    pts = sorted((root / '300w' / 'afw').glob('*.pts'))[0]
    _edit_line(pts, 5, lambda t: 'inf ' + t.split()[1])
    with pytest.raises(DatasetFormatError,
                       match=rf'{pts.name}, line 5: .*non-finite'):
        Face300WDVEDataset(str(root / '300w'), split='train',
                           check_size=False)


@pytest.mark.parametrize('reader', ['mafl', 'matching', 'mtfl', 'aflw_r'])
def test_empty_list_file(synthetic_root, tmp_path, reader):
    if reader == 'mtfl':
        root = _copy(synthetic_root, tmp_path, 'aflw-mtfl')
        listed = root / 'MTFL' / 'testing.txt'
        build = lambda: AFLWMDataset(str(root), split='test',  # noqa: E731
                                     check_size=False)
    elif reader == 'aflw_r':
        root = _copy(synthetic_root, tmp_path, 'aflw') / 'aflw_release-2'
        listed = root / 'aflw_test_images.txt'
        build = lambda: AFLWRDataset(str(root), split='test',  # noqa: E731
                                     check_size=False)
    else:
        root = _copy(synthetic_root, tmp_path, 'celeba')
        listed = root / 'MAFL' / 'testing.txt'
        cls = MAFLDataset if reader == 'mafl' else MAFLMatchingDataset
        build = lambda: cls(str(root), check_size=False,  # noqa: E731
                            **({'split': 'test'} if reader == 'mafl' else {}))
    listed.write_text('\n')
    with pytest.raises(DatasetFormatError) as err:
        build()
    assert str(err.value) == f'{listed} lists no images'


def test_celeba_image_breaking_the_layout(synthetic_root, tmp_path):
    """A 64x64 image in the 178x218 aligned layout is refused when decoded
    (detection / stage 1) or listed (matching pairs)."""
    init_default_scope('mmpose')
    root = _copy(synthetic_root, tmp_path, 'celeba')
    first = (root / 'MAFL' / 'testing.txt').read_text().split()[0]
    img = root / 'Img' / 'img_align_celeba' / first
    Image.open(img).resize((64, 64)).save(img)
    dataset = MAFLDataset(str(root), split='test', check_size=False,
                          pipeline=[dict(type='LoadImage')])
    with pytest.raises(DatasetFormatError) as err:
        dataset[0]
    msg = str(err.value)
    assert str(img) in msg and '64x64' in msg and '178x218' in msg
    ok = MAFLDataset(str(root), split='test', check_size=False,
                     check_image_size=False,
                     pipeline=[dict(type='LoadImage')])
    assert ok[0]['ori_shape'] == (64, 64)
    with pytest.raises(DatasetFormatError,
                       match=rf'{first} \(listed in .*testing\.txt, line 1\)'
                       r' is 64x64, expected 178x218'):
        MAFLMatchingDataset(str(root), check_size=False)
    # the other images still load
    assert CelebADataset(str(root), check_size=False,
                         pipeline=[dict(type='LoadImage')])[0]['ori_shape'] \
        == (218, 178)


# --------------------------------------------------------------------------
# Images that cannot be decoded: named with the list-file line
# --------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
MATCH_CFG = (ROOT / 'configs' / 'synthetic' /
             'sce_mae_deit_t_mafl_matching_synthetic.py')


#: a JPEG start (SOI, a JFIF APP0 segment) and a comment segment claiming
#: 65,520 bytes: what follows is random, and PIL gives up with a bare
#: ``OSError: Truncated File Read``
JPEG_START = (b'\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01'
              b'\x00\x01\x00\x00\xff\xfe\xff\xf0')


def _corrupt(img: Path, kind: str = 'header') -> None:
    """Overwrite an image with random bytes, after ``JPEG_START``
    (``'header'``) or alone (``'garbage'``)."""
    noise = np.random.default_rng(0).integers(0, 256, 4000, np.uint8)
    head = JPEG_START if kind == 'header' else b''
    img.write_bytes(head + noise.tobytes())


def _listed_line(list_file: Path, name: str) -> int:
    """1-based line of ``list_file`` that names ``name``."""
    for k, text in enumerate(list_file.read_text().splitlines()):
        if name in text:
            return k + 1
    raise AssertionError(f'{name} not in {list_file}')


def test_tools_test_names_corrupt_mafl_image(synthetic_root, tmp_path):
    """A garbage MAFL test image through tools/test.py (matching config):
    PIL's bare ``OSError: Truncated File Read`` becomes an error naming the
    image and its line of MAFL/testing.txt."""
    root = _copy(synthetic_root, tmp_path, 'celeba')
    listed = root / 'MAFL' / 'testing.txt'
    name = listed.read_text().split()[2]
    img = root / 'Img' / 'img_align_celeba' / name
    _corrupt(img, 'header')
    with pytest.raises(OSError, match='Truncated File Read'):
        Image.open(img)  # what PIL says on its own: no file name
    ckpt = tmp_path / 'unused.pth'  # the data fails before it is read
    ckpt.write_bytes(b'')
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', str(MATCH_CFG), str(ckpt),
         '--work-dir', str(tmp_path / 'work'), '--cfg-options',
         f'test_dataloader.dataset.data_root={root}',
         'test_dataloader.num_workers=0'],
        cwd=ROOT, env=dict(os.environ, OMP_NUM_THREADS='1'),
        capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert (f'cannot read image {img} (listed in {listed}, line 3): '
            'OSError: Truncated File Read') in proc.stderr


def _reader(reader: str, synthetic_root: Path, tmp_path: Path):
    """(build the dataset, its list file, the image of sample 0)."""
    pipe = [dict(type='LoadImage')]
    if reader in ('mafl', 'celeba', 'matching'):
        root = _copy(synthetic_root, tmp_path, 'celeba')
        if reader == 'mafl':
            build = lambda: MAFLDataset(  # noqa: E731
                str(root), split='test', check_size=False, pipeline=pipe)
            listed = root / 'MAFL' / 'testing.txt'
        elif reader == 'celeba':  # stage 1
            build = lambda: CelebADataset(  # noqa: E731
                str(root), check_size=False, pipeline=pipe)
            listed = root / 'Eval' / 'list_eval_partition.txt'
        else:
            build = lambda: MAFLMatchingDataset(  # noqa: E731
                str(root), check_size=False, pipeline=[
                    dict(type='MatchingPairWarp')])
            listed = root / 'MAFL' / 'testing.txt'
    elif reader == 'mtfl':
        root = _copy(synthetic_root, tmp_path, 'aflw-mtfl')
        build = lambda: AFLWMDataset(  # noqa: E731
            str(root), split='test', check_size=False, pipeline=pipe)
        listed = root / 'MTFL' / 'testing.txt'
    else:
        root = _copy(synthetic_root, tmp_path, 'aflw') / 'aflw_release-2'
        build = lambda: AFLWRDataset(  # noqa: E731
            str(root), split='test', check_size=False, pipeline=pipe)
        listed = root / 'aflw_test_images.txt'
    return build, listed


@pytest.mark.parametrize('kind', ['header', 'garbage'])
@pytest.mark.parametrize('reader',
                         ['mafl', 'celeba', 'matching', 'mtfl', 'aflw_r'])
def test_corrupt_image_named_in_every_pipeline(synthetic_root, tmp_path,
                                               reader, kind):
    """Detection (LoadImage), stage 1 (LoadImage on CelebA) and matching
    (MatchingPairWarp) name the image and its list-file line, whatever the
    decoder raises."""
    init_default_scope('mmpose')
    build, listed = _reader(reader, synthetic_root, tmp_path)
    dataset = build()  # built while the images are fine
    img = Path(dataset.get_data_info(0)['img_path'])
    _corrupt(img, kind)
    line = _listed_line(listed, img.name)
    with pytest.raises(ImageReadError) as err:
        dataset[0]
    msg = str(err.value)
    assert f'cannot read image {img} (listed in {listed}, line {line})' \
        in msg, msg
    assert isinstance(err.value, OSError)


def test_corrupt_image_named_by_the_api(synthetic_root, tmp_path):
    from sce_mae_mm.apis.inference import face_crop
    img = tmp_path / 'face.jpg'
    _corrupt(img, 'garbage')
    with pytest.raises(ImageReadError,
                       match=re.escape(f'cannot read image {img}: ')):
        face_crop(str(img))
    with pytest.raises(ValueError, match='face.jpg'):  # as before
        face_crop(str(img))
