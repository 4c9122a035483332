"""Extra CelebA training faces: more distinct stage-1 faces, every other
file of the set unchanged."""
import filecmp
import os

from sce_mae_mm.datasets.synthetic import make_synthetic_faces

LISTS = {os.path.join('celeba', 'Anno', 'list_landmarks_align_celeba.txt'),
         os.path.join('celeba', 'Eval', 'list_eval_partition.txt'),
         'synthetic_manifest.json'}


def _files(root):
    return {os.path.relpath(os.path.join(d, f), root)
            for d, _, fs in os.walk(root) for f in fs}


def test_extra_faces_only_grow_the_celeba_training_partition(tmp_path):
    plain = make_synthetic_faces(str(tmp_path / 'plain'), num=40, seed=5)
    more = make_synthetic_faces(str(tmp_path / 'more'), num=40, seed=5,
                                extra_celeba_train=6)
    a, b = _files(tmp_path / 'plain'), _files(tmp_path / 'more')
    added = sorted(b - a)
    assert a <= b and len(added) == 6
    assert all(p.startswith(os.path.join('celeba', 'Img')) for p in added)
    same = [p for p in a - LISTS
            if filecmp.cmp(tmp_path / 'plain' / p, tmp_path / 'more' / p,
                           shallow=False)]
    assert sorted(same) == sorted(a - LISTS)
    n = plain['counts']['celeba_train']
    assert more['counts']['celeba_train'] == n + 6
    assert more['extra_celeba_train'] == 6
    parts = (tmp_path / 'more' / 'celeba' / 'Eval' /
             'list_eval_partition.txt').read_text().splitlines()
    assert parts[:len(parts) - 6] == (
        tmp_path / 'plain' / 'celeba' / 'Eval' /
        'list_eval_partition.txt').read_text().splitlines()
    assert all(line.endswith(' 0') for line in parts[-6:])
    lm = (tmp_path / 'more' / 'celeba' / 'Anno' /
          'list_landmarks_align_celeba.txt').read_text().splitlines()
    assert int(lm[0]) == len(lm) - 2 == len(parts)


def test_the_celeba_reader_sees_the_extra_faces(tmp_path):
    from sce_mae_mm.datasets import CelebADataset
    make_synthetic_faces(str(tmp_path / 's'), num=40, seed=5,
                         extra_celeba_train=6)
    root = str(tmp_path / 's' / 'celeba')
    plain_root = str(tmp_path / 'p' / 'celeba')
    make_synthetic_faces(str(tmp_path / 'p'), num=40, seed=5)
    more = CelebADataset(data_root=root, split='train', pipeline=[],
                         check_size=False)
    plain = CelebADataset(data_root=plain_root, split='train', pipeline=[],
                          check_size=False)
    assert len(more) == len(plain) + 6


def test_workers_write_the_same_files(tmp_path):
    """The extra faces rendered in two processes are the files of one."""
    from sce_mae_mm.datasets.synthetic import extra_celeba
    roots = []
    for workers in (1, 2):
        out = tmp_path / f'w{workers}'
        faces = []
        make_synthetic_faces(str(out), num=20, seed=7)
        extra_celeba.append_celeba_train(str(out), 7, 20, 70, faces,
                                         workers=workers)
        roots.append((out, faces))
    (a, fa), (b, fb) = roots
    assert fa == fb and len(fa) == 70
    assert _files(a) == _files(b)
    differ = [p for p in _files(a)
              if not filecmp.cmp(a / p, b / p, shallow=False)]
    assert differ == []


MAFL_LISTS = LISTS | {os.path.join('celeba', 'MAFL', 'testing.txt')}


def test_extra_mafl_test_faces_leave_every_other_file_unchanged(tmp_path):
    """The real protocol's 1,000 MAFL test faces: the set with more test
    faces is the set without them plus images and list rows."""
    plain = make_synthetic_faces(str(tmp_path / 'plain'), num=40, seed=5,
                                 extra_celeba_train=6)
    n_test = plain['counts']['mafl_test']
    more = make_synthetic_faces(str(tmp_path / 'more'), num=40, seed=5,
                                extra_celeba_train=6, mafl_test=n_test + 8)
    a, b = _files(tmp_path / 'plain'), _files(tmp_path / 'more')
    added = sorted(b - a)
    assert a <= b and len(added) == 8
    assert all(p.startswith(os.path.join('celeba', 'Img')) for p in added)
    differ = [p for p in a - MAFL_LISTS
              if not filecmp.cmp(tmp_path / 'plain' / p,
                                 tmp_path / 'more' / p, shallow=False)]
    assert differ == []
    assert more['counts']['mafl_test'] == n_test + 8
    assert more['counts']['celeba_train'] == plain['counts']['celeba_train']
    for rel, keep in (('Eval/list_eval_partition.txt', 0),
                      ('MAFL/testing.txt', 0),
                      ('Anno/list_landmarks_align_celeba.txt', 1)):
        old = (tmp_path / 'plain' / 'celeba' / rel).read_text().splitlines()
        new = (tmp_path / 'more' / 'celeba' / rel).read_text().splitlines()
        assert new[keep:len(old)] == old[keep:] and len(new) == len(old) + 8


def test_the_readers_see_the_extra_test_faces_and_the_same_training(tmp_path):
    from sce_mae_mm.datasets import CelebADataset, MAFLMatchingDataset
    sets = {}
    for name, test in (('p', None), ('m', 20)):
        make_synthetic_faces(str(tmp_path / name), num=40, seed=5,
                             mafl_test=test)
        root = str(tmp_path / name / 'celeba')
        train = CelebADataset(data_root=root, split='train', pipeline=[],
                              check_size=False)
        pairs = MAFLMatchingDataset(data_root=root, pipeline=[],
                                    check_size=False)
        sets[name] = ([train.get_data_info(i)['img_path']
                       for i in range(len(train))],
                      [pairs.get_data_info(i)['img_paths']
                       for i in range(len(pairs))])
    (train_p, pairs_p), (train_m, pairs_m) = sets['p'], sets['m']
    rel = [[os.path.relpath(p, tmp_path / 'p') for p in pair]
           for pair in pairs_p]
    assert [os.path.relpath(p, tmp_path / 'p') for p in train_p] == \
        [os.path.relpath(p, tmp_path / 'm') for p in train_m]
    assert len(pairs_m) == 10
    # the earlier pairs stay pairs, the new ones follow them
    assert [[os.path.relpath(p, tmp_path / 'm') for p in pair]
            for pair in pairs_m[:len(pairs_p)]] == rel


def test_an_odd_or_smaller_mafl_test_count_is_refused(tmp_path):
    import pytest
    with pytest.raises(ValueError, match='even number'):
        make_synthetic_faces(str(tmp_path / 'o'), num=40, seed=5,
                             mafl_test=21)
    with pytest.raises(ValueError, match='even number'):
        make_synthetic_faces(str(tmp_path / 's'), num=40, seed=5,
                             mafl_test=0)
