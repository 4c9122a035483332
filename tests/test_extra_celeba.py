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
