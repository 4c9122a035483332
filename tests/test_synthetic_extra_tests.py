"""More AFLW_M, AFLW_R and 300W test faces (narrower NME intervals): the set
with them is the set without them plus images and appended list rows."""
import filecmp
import os
import os.path as osp

import numpy as np
import pytest
import scipy.io

from sce_mae_mm.datasets.synthetic import make_synthetic_faces, split_counts

NUM, SEED = 200, 5
#: faces beyond each split's share of NUM faces
MORE = dict(aflw_m_test=10, aflw_r_test=8, face300w_test=12)
TEST_300W = ('300w_helen_testset', '300w_lfpw_testset', '300w_ibug')
AFLW_M, AFLW_R, F300W = 'aflw-mtfl', 'aflw/aflw_release-2', '300w/300w'
#: box file -> the folder of its images
BOXES = {osp.join(F300W, 'Bounding Boxes', f'bounding_boxes_{s}.mat'):
         osp.join(F300W, folder)
         for s, folder in (('helen_testset', 'helen/testset'),
                           ('lfpw_testset', 'lfpw/testset'),
                           ('ibug', 'ibug'))}
LISTS = {osp.join(AFLW_M, 'MTFL', 'testing.txt'),
         osp.join(AFLW_M, 'aflw_cropped', 'facedata_cropped.csv'),
         osp.join(AFLW_R, 'aflw_test_images.txt'),
         osp.join(AFLW_R, 'aflw_test_keypoints.mat'),
         'synthetic_manifest.json', *BOXES}


def _share():
    c = split_counts(NUM)
    return dict(aflw_m_test=c['aflw_m_test'], aflw_r_test=c['aflw_r_test'],
                face300w_test=sum(c[s] for s in TEST_300W))


def _wanted():
    return {k: n + MORE[k] for k, n in _share().items()}


def _files(root):
    return {osp.relpath(osp.join(d, f), root)
            for d, _, fs in os.walk(root) for f in fs}


@pytest.fixture(scope='module')
def sets(tmp_path_factory):
    """The set without and with the extra test faces (about 5 s)."""
    root = tmp_path_factory.mktemp('extra_tests')
    plain = make_synthetic_faces(str(root / 'plain'), NUM, SEED)
    more = make_synthetic_faces(str(root / 'more'), NUM, SEED, **_wanted())
    return root, plain, more


def _boxes(path):
    """(name, bb_detector, bb_ground_truth) of every box-file entry."""
    out = []
    for entry in scipy.io.loadmat(str(path))['bounding_boxes'].reshape(-1):
        s = entry.reshape(-1)[0]
        out.append((str(s['imgName'].reshape(-1)[0]),
                    s['bb_detector'].tolist(), s['bb_ground_truth'].tolist()))
    return out


def test_every_other_file_is_unchanged_and_the_lists_only_grow(sets):
    root, plain, more = sets
    a, b = _files(root / 'plain'), _files(root / 'more')
    n_300w = MORE['face300w_test']
    added = b - a
    assert a <= b and LISTS <= a
    assert len(added) == MORE['aflw_m_test'] + MORE['aflw_r_test'] + \
        2 * n_300w  # 300W: image and .pts
    assert all(p.startswith((osp.join(AFLW_M, 'MTFL', 'AFLW') + os.sep,
                             osp.join(AFLW_R, 'output') + os.sep,
                             osp.join(F300W, 'helen', 'testset') + os.sep,
                             osp.join(F300W, 'lfpw', 'testset') + os.sep,
                             osp.join(F300W, 'ibug') + os.sep))
               for p in added), sorted(added)
    differ = [p for p in a - LISTS
              if not filecmp.cmp(root / 'plain' / p, root / 'more' / p,
                                 shallow=False)]
    assert differ == []
    # the text lists: the old rows first, unchanged
    for rel, n in ((osp.join(AFLW_M, 'MTFL', 'testing.txt'),
                    MORE['aflw_m_test']),
                   (osp.join(AFLW_M, 'aflw_cropped', 'facedata_cropped.csv'),
                    MORE['aflw_m_test']),
                   (osp.join(AFLW_R, 'aflw_test_images.txt'),
                    MORE['aflw_r_test'])):
        old = (root / 'plain' / rel).read_text().splitlines()
        new = (root / 'more' / rel).read_text().splitlines()
        assert new[:len(old)] == old and len(new) == len(old) + n, rel
    csv = (root / 'more' / AFLW_M / 'aflw_cropped' /
           'facedata_cropped.csv').read_text().splitlines()
    assert all(row.split(',')[2] == '2'
               for row in csv[-MORE['aflw_m_test']:])  # test images: set 2
    # the .mat files: the old entries equal and in order, the new after
    old = scipy.io.loadmat(str(root / 'plain' / AFLW_R /
                               'aflw_test_keypoints.mat'))
    new = scipy.io.loadmat(str(root / 'more' / AFLW_R /
                               'aflw_test_keypoints.mat'))
    for key in ('gt', 'hw'):
        n = len(old[key])
        assert len(new[key]) == n + MORE['aflw_r_test']
        np.testing.assert_array_equal(new[key][:n], old[key])
    grown = 0
    for rel, folder in BOXES.items():
        old, new = _boxes(root / 'plain' / rel), _boxes(root / 'more' / rel)
        assert new[:len(old)] == old, rel
        names = [osp.join(folder, name) for name, _, _ in new[len(old):]]
        assert set(names) <= added and len(set(names)) == len(names)
        grown += len(new) - len(old)
    assert grown == n_300w
    # the manifest: the old faces first, the counts and the extras
    assert more['faces'][:len(plain['faces'])] == plain['faces']
    assert len(more['faces']) == len(plain['faces']) + sum(MORE.values())
    assert more['extra_aflw_m_test'] == MORE['aflw_m_test']
    assert more['extra_aflw_r_test'] == MORE['aflw_r_test']
    assert more['extra_300w_test'] == n_300w
    assert not any(k.startswith('extra') for k in plain)
    for key, n in _wanted().items():
        splits = TEST_300W if key == 'face300w_test' else (key, )
        assert sum(more['counts'][s] for s in splits) == n
    assert {k: v for k, v in more['counts'].items()
            if k not in TEST_300W + ('aflw_m_test', 'aflw_r_test')} == \
        {k: v for k, v in plain['counts'].items()
         if k not in TEST_300W + ('aflw_m_test', 'aflw_r_test')}


def test_300w_extras_keep_the_subsets_proportions(sets):
    """Common : challenging and helen : lfpw as in the set's own split."""
    from sce_mae_mm.datasets.synthetic.extra_tests import split_300w_extra
    assert split_300w_extra(647, {'300w_helen_testset': 61,
                                  '300w_lfpw_testset': 46,
                                  '300w_ibug': 46}) == {
        '300w_helen_testset': 258, '300w_lfpw_testset': 194,
        '300w_ibug': 195}
    _, plain, more = sets
    have = {s: plain['counts'][s] for s in TEST_300W}
    got = {s: more['counts'][s] - have[s] for s in TEST_300W}
    assert got == split_300w_extra(MORE['face300w_test'], have)


def _samples(ds, root):
    """(path relative to ``root``, keypoints) of every sample."""
    out = []
    for i in range(len(ds)):
        d = ds.get_data_info(i)
        out.append((osp.relpath(d['img_path'], root),
                    d['keypoints'].round(3).tolist()))
    return out


def _readers(base):
    """The detection configs' train and test datasets of AFLW_M, AFLW_R,
    300W (``configs/_base_/datasets``) on the set in ``base``."""
    from sce_mae_mm.datasets import (AFLWMDataset, AFLWRDataset,
                                     Face300WDVEDataset)
    kw = dict(pipeline=[], check_size=False)
    return dict(
        aflw_m_test=(AFLWMDataset(str(base / AFLW_M), 'train', **kw),
                     AFLWMDataset(str(base / AFLW_M), 'test', **kw)),
        aflw_r_test=(AFLWRDataset(str(base / AFLW_R), 'train', **kw),
                     AFLWRDataset(str(base / AFLW_R), 'test',
                                  test_keypoint_file=None, **kw)),
        face300w_test=(Face300WDVEDataset(str(base / F300W), 'train', **kw),
                       Face300WDVEDataset(str(base / F300W), 'test',
                                          subset='full', **kw)))


def test_the_readers_see_the_test_faces_and_the_same_training(sets):
    root, _, more = sets
    plain, grown = _readers(root / 'plain'), _readers(root / 'more')
    by_file = {osp.join(f['root'], f['file']): f for f in more['faces']}
    for key, n in _wanted().items():
        (train_p, test_p), (train_m, test_m) = plain[key], grown[key]
        assert len(test_p) == _share()[key] and len(test_m) == n, key
        assert _samples(train_m, root / 'more') == \
            _samples(train_p, root / 'plain'), key
        # every test sample (the appended ones too) carries its manifest
        # landmarks
        for path, kpts in _samples(test_m, root / 'more'):
            face = by_file[path]
            ref = face['kpts68'] if key == 'face300w_test' else face['kpts5']
            np.testing.assert_allclose(kpts[0], ref, atol=2e-3)
    from sce_mae_mm.datasets import Face300WDVEDataset
    hard = Face300WDVEDataset(str(root / 'more' / F300W), 'test',
                              subset='challenging', pipeline=[],
                              check_size=False)
    assert len(hard) == more['counts']['300w_ibug']


def test_the_same_seed_gives_the_same_extra_files(sets, tmp_path):
    root, _, more = sets
    again = make_synthetic_faces(str(tmp_path), NUM, SEED, **_wanted())
    assert again == more
    assert _files(tmp_path) == _files(root / 'more')
    differ = [p for p in _files(tmp_path)
              if not filecmp.cmp(tmp_path / p, root / 'more' / p,
                                 shallow=False)]
    assert differ == []


def test_workers_write_the_same_extra_files(tmp_path):
    """Rendered in two processes, the extra faces are the files of one."""
    from sce_mae_mm.datasets.synthetic import extra_tests
    outs = []
    for workers in (1, 2):
        out = tmp_path / f'w{workers}'
        make_synthetic_faces(str(out), num=20, seed=7)
        faces = []
        extra_tests.append_300w_test(str(out), 7, 66, faces, workers=workers)
        outs.append((out, faces))
    (a, fa), (b, fb) = outs
    assert fa == fb and len(fa) == 66
    assert _files(a) == _files(b)
    assert [p for p in _files(a)
            if not filecmp.cmp(a / p, b / p, shallow=False)] == []


@pytest.mark.parametrize('key', ['aflw_m_test', 'aflw_r_test',
                                 'face300w_test'])
def test_a_count_below_the_share_is_refused(tmp_path, key):
    low = _share()[key] - 1
    with pytest.raises(ValueError, match=rf'{key} must be >= {low + 1}\b'):
        make_synthetic_faces(str(tmp_path / 's'), NUM, SEED, **{key: low})
    assert not (tmp_path / 's').exists()  # refused before writing
