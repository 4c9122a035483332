"""The synthetic face generator: split counts, layouts, determinism, and
landmarks lying on the drawn features."""
import hashlib
import os

import cv2
import numpy as np
import pytest
import scipy.io

from sce_mae_mm.datasets.synthetic import (SPLIT_FRACTIONS, draw_face,
                                           make_synthetic_faces,
                                           sample_expression, sample_identity,
                                           sample_pose, split_counts)


@pytest.mark.parametrize('num', [16, 40, 41, 80, 333, 2000])
def test_split_counts(num):
    counts = split_counts(num)
    assert sum(counts.values()) == num
    assert list(counts) == [s[0] for s in SPLIT_FRACTIONS]
    assert all(c >= 1 for c in counts.values())
    assert counts['mafl_test'] % 2 == 0 and counts['mafl_test'] >= 2


def test_split_counts_too_few():
    with pytest.raises(ValueError, match='num must be >= 16'):
        split_counts(10)


def test_layout_files(synthetic_root, synthetic_manifest):
    r = synthetic_root
    expected = [
        'celeba/Anno/list_landmarks_align_celeba.txt',
        'celeba/Eval/list_eval_partition.txt', 'celeba/MAFL/training.txt',
        'celeba/MAFL/testing.txt',
        'aflw-mtfl/aflw_cropped/facedata_cropped.csv',
        'aflw-mtfl/MTFL/testing.txt',
        'aflw/aflw_release-2/aflw_train_images.txt',
        'aflw/aflw_release-2/aflw_test_images.txt',
        'aflw/aflw_release-2/aflw_train_keypoints.mat',
        'aflw/aflw_release-2/aflw_test_keypoints.mat',
    ] + [f'300w/300w/Bounding Boxes/bounding_boxes_{s}.mat'
         for s in ('afw', 'helen_trainset', 'helen_testset',
                   'lfpw_trainset', 'lfpw_testset', 'ibug')]
    for rel in expected:
        assert (r / rel).is_file(), rel
    faces = synthetic_manifest['faces']
    assert len(faces) == 80
    sizes = dict(celeba=(218, 178), aflw_m=(150, 150))
    for face in faces:
        path = r / face['root'] / face['file']
        assert path.is_file(), path
        img = cv2.imread(str(path))
        assert img.shape[:2] == tuple(face['size'])
        if face['dataset'] in sizes:
            assert img.shape[:2] == sizes[face['dataset']]
        if face['dataset'] == '300w':
            pts = path.with_suffix('.pts')
            assert pts.is_file()
            assert pts.read_text().splitlines()[:3] == [
                'version: 1', 'n_points:  68', '{']
    # CelebA landmark file: count line, header, integer rows
    lines = (r / 'celeba/Anno/list_landmarks_align_celeba.txt'
             ).read_text().splitlines()
    n_celeba = sum(f['dataset'] == 'celeba' for f in faces)
    assert lines[0] == str(n_celeba)
    assert lines[1].split()[0] == 'lefteye_x' and len(lines[1].split()) == 10
    assert all(t.lstrip('-').isdigit() for t in lines[2].split()[1:])
    assert len(lines) == n_celeba + 2


def test_mat_files_read_like_the_release(synthetic_root, synthetic_manifest):
    # 300W boxes, indexed exactly as DVE indexes the real files
    ds = scipy.io.loadmat(str(
        synthetic_root / '300w/300w/Bounding Boxes/bounding_boxes_afw.mat'))
    bbs = ds['bounding_boxes']
    assert bbs.shape[0] == 1
    names = [ds['bounding_boxes'][0, i]['imgName'][0, 0][0]
             for i in range(bbs.shape[1])]
    boxes = [ds['bounding_boxes'][0, i]['bb_ground_truth'][0, 0][0]
             for i in range(bbs.shape[1])]
    det = ds['bounding_boxes'][0, 0]['bb_detector'][0, 0][0]
    assert det.shape == (4, )
    afw = [f for f in synthetic_manifest['faces'] if f['split'] == '300w_afw']
    assert names == [os.path.basename(f['file']) for f in afw]
    np.testing.assert_allclose(boxes, [f['box'] for f in afw])
    # AFLW_R: gt (N, 5, 2) stored (y, x), hw (N, 2)
    mat = scipy.io.loadmat(str(
        synthetic_root / 'aflw/aflw_release-2/aflw_test_keypoints.mat'))
    test = [f for f in synthetic_manifest['faces']
            if f['split'] == 'aflw_r_test']
    assert mat['gt'].shape == (len(test), 5, 2)
    np.testing.assert_allclose(mat['gt'][:, :, ::-1],
                               [f['kpts5'] for f in test], atol=1e-3)
    np.testing.assert_array_equal(mat['hw'], [f['size'] for f in test])


def _digest(root):
    out = {}
    for base, _, files in os.walk(root):
        for name in files:
            path = os.path.join(base, name)
            with open(path, 'rb') as f:
                out[os.path.relpath(path, root)] = hashlib.md5(
                    f.read()).hexdigest()
    return out


def test_same_seed_same_files(tmp_path):
    a = make_synthetic_faces(str(tmp_path / 'a'), num=20, seed=5)
    make_synthetic_faces(str(tmp_path / 'b'), num=20, seed=5)
    make_synthetic_faces(str(tmp_path / 'c'), num=20, seed=6)
    da, db, dc = (_digest(tmp_path / k) for k in 'abc')
    # 20 images, 6 .pts, 8 list files, 8 .mat files, the manifest
    assert len(da) == 20 + 6 + 8 + 8 + 1
    assert da == db
    assert set(da) == set(dc)
    differ = [k for k in da if da[k] != dc[k]]
    assert len(differ) > 30
    assert a['counts']['mafl_test'] == 2


def test_identities_distinct(synthetic_root, synthetic_manifest):
    """Matching pairs (2i, 2i+1) must show two different faces."""
    names = (synthetic_root / 'celeba/MAFL/testing.txt').read_text().split()
    imgs = [cv2.imread(str(synthetic_root / 'celeba/Img/img_align_celeba'
                           / n)).astype(np.float32) for n in names]
    for i in range(0, len(imgs), 2):
        assert np.abs(imgs[i] - imgs[i + 1]).mean() > 10.
    kp = {os.path.basename(f['file']): np.array(f['kpts5'])
          for f in synthetic_manifest['faces']}
    for i in range(0, len(names), 2):
        assert np.abs(kp[names[i]] - kp[names[i + 1]]).max() > 1.


def test_landmarks_on_drawn_features():
    """Drawn on a flat canvas: eye centres on the pupils, the nose tip on
    its highlight, mouth corners on the lip outline."""
    rng = np.random.default_rng(0)
    checked = 0
    for k in range(40):
        ident = sample_identity(rng)
        expr = sample_expression(rng)
        if expr['eye_open'] < 0.6:
            continue
        pose = sample_pose(rng, (100., 90.), 40.,
                           dict(shift=3., scale=0.1, roll=10., yaw=15.,
                                pitch=5.))
        img = np.full((220, 200, 3), 128, np.uint8)
        k68, k5 = draw_face(img, ident, expr, pose, snap=k % 2 == 0)
        dark = img.max(-1) <= 40  # pupils are (10, 10, 10)
        yy, xx = np.mgrid[:img.shape[0], :img.shape[1]]
        for x, y in k5[:2]:
            near = dark & ((xx - x) ** 2 + (yy - y) ** 2 <= 2.5 ** 2)
            assert near.sum() >= 2, k
            centroid = np.array([xx[near].mean(), yy[near].mean()])
            assert np.linalg.norm(centroid - (x, y)) < 1., (k, centroid)
        nose = img[int(round(k5[2, 1])), int(round(k5[2, 0]))].astype(int)
        skin = np.array(ident['skin'][::-1])
        assert nose.mean() > skin.mean() + 5  # highlight
        lip = np.array(ident['lip'][::-1])
        for x, y in k5[3:]:
            x, y = int(round(x)), int(round(y))
            win = img[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).astype(float)
            dist = np.minimum(np.abs(win - lip).max(1),
                              np.abs(win - 0.45 * lip).max(1))
            assert dist.min() < 40, (k, win, lip)
        # 68 points: 30 is the nose tip, 48 / 54 the mouth corners
        np.testing.assert_allclose(k68[[30, 48, 54]], k5[2:])
        checked += 1
    assert checked >= 20


def test_celeba_landmarks_are_integers(synthetic_manifest):
    n = 0
    for face in synthetic_manifest['faces']:
        if face['dataset'] == 'celeba':
            k5 = np.array(face['kpts5'])
            np.testing.assert_array_equal(k5, np.round(k5))
            n += 1
    counts = synthetic_manifest['counts']
    assert n == sum(counts[s] for s in ('celeba_train', 'celeba_val',
                                        'celeba_test', 'mafl_train',
                                        'mafl_test'))
    assert n > 0
