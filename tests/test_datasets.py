"""The face readers on the generated set, their configs and bad input."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import scipy.io
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, METRICS

import sce_mae_mm  # noqa: F401  (registers the datasets and transforms)
from sce_mae_mm.datasets import (AFLWMDataset, AFLWRDataset, CelebADataset,
                                 DatasetFormatError, Face300WDVEDataset,
                                 MAFLDataset, MAFLMatchingDataset,
                                 dve_300w_window)
from sce_mae_mm.datasets.synthetic import savemat_deterministic

CONFIGS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                   'configs', '_base_', 'datasets')
CELEBA_WINDOW = [0., 30., 178., 208.]


@pytest.fixture(autouse=True)
def _mmpose_scope():
    init_default_scope('mmpose')


def _faces(manifest, *splits):
    return [f for f in manifest['faces'] if f['split'] in splits]


def _check(ds, faces, root, windows=None, k=5):
    assert len(ds) == len(faces) > 0
    for i, face in enumerate(faces):
        d = ds.get_data_info(i)
        assert d['img_path'] == osp.join(str(root), face['root'],
                                         face['file'])
        assert osp.isabs(d['img_path'])
        assert d['keypoints'].shape == (1, k, 2)
        assert d['keypoints'].dtype == np.float32
        assert d['keypoints_visible'].shape == (1, k)
        assert d['bbox'].shape == (1, 4) and d['bbox_score'].shape == (1, )
        assert d['category_id'] == 1
        assert isinstance(d['img_id'], int) and d['id'] == d['img_id']
        expected = face['kpts5'] if k == 5 else face['kpts68']
        np.testing.assert_allclose(d['keypoints'][0], expected, atol=2e-3)
        if windows is not None:
            np.testing.assert_allclose(d['bbox'][0], windows[i], atol=1e-3)
        assert d['dataset_name'] == ds.metainfo['dataset_name']


def test_celeba(synthetic_root, synthetic_manifest):
    root = synthetic_root / 'celeba'
    mafl = set((root / 'MAFL/training.txt').read_text().split()
               + (root / 'MAFL/testing.txt').read_text().split())
    for split in ('train', 'val', 'test'):
        ds = CelebADataset(str(root), split=split, check_size=False)
        faces = sorted(_faces(synthetic_manifest, f'celeba_{split}'),
                       key=lambda f: f['file'])
        _check(ds, faces, synthetic_root, [CELEBA_WINDOW] * len(faces))
        names = {osp.basename(ds.get_data_info(i)['img_path'])
                 for i in range(len(ds))}
        assert not names & mafl
    # partition 0 holds the MAFL images too: they are removed from 'train'
    part0 = [ln for ln in (root / 'Eval/list_eval_partition.txt'
                           ).read_text().splitlines() if ln.endswith(' 0')]
    assert len(part0) == len(ds.__class__(str(root), check_size=False)) + len(
        mafl)
    assert ds.metainfo['dataset_name'] == 'celeba'
    assert ds.metainfo['flip_indices'] == [1, 0, 2, 4, 3]
    assert ds.metainfo['num_keypoints'] == 5


def test_mafl(synthetic_root, synthetic_manifest):
    root = synthetic_root / 'celeba'
    for split, fname in (('train', 'training.txt'), ('test', 'testing.txt')):
        ds = MAFLDataset(str(root), split=split, check_size=False)
        order = (root / 'MAFL' / fname).read_text().split()
        by_name = {osp.basename(f['file']): f
                   for f in _faces(synthetic_manifest, f'mafl_{split}')}
        faces = [by_name[n] for n in order]  # list-file order
        _check(ds, faces, synthetic_root, [CELEBA_WINDOW] * len(faces))
        assert ds.metainfo['dataset_name'] == 'mafl'


def test_aflw_m(synthetic_root, synthetic_manifest):
    root = synthetic_root / 'aflw-mtfl'
    for split in ('train', 'test'):
        ds = AFLWMDataset(str(root), split=split, check_size=False)
        faces = _faces(synthetic_manifest, f'aflw_m_{split}')
        _check(ds, faces, synthetic_root, [[0., 0., 150., 150.]] * len(faces))


def test_aflw_r(synthetic_root, synthetic_manifest, tmp_path):
    root = synthetic_root / 'aflw/aflw_release-2'
    for split in ('train', 'test'):
        ds = AFLWRDataset(str(root), split=split, check_size=False)
        faces = _faces(synthetic_manifest, f'aflw_r_{split}')
        windows = [[0., 0., f['size'][1], f['size'][0]] for f in faces]
        _check(ds, faces, synthetic_root, windows)
    # AFLW_RC: a replacement test keypoint file of the same format
    mat = scipy.io.loadmat(str(root / 'aflw_test_keypoints.mat'))
    alt = tmp_path / 'corrected.mat'
    savemat_deterministic(str(alt), dict(gt=mat['gt'] + 1.))
    ds_rc = AFLWRDataset(str(root), split='test', check_size=False,
                         test_keypoint_file=str(alt))
    np.testing.assert_allclose(
        ds_rc.get_data_info(0)['keypoints'],
        ds.get_data_info(0)['keypoints'] + 1., atol=1e-5)
    bad = tmp_path / 'bad.mat'
    savemat_deterministic(str(bad), dict(gt=mat['gt'][:1]))
    with pytest.raises(DatasetFormatError, match='bad.mat'):
        AFLWRDataset(str(root), split='test', check_size=False,
                     test_keypoint_file=str(bad))


def test_300w(synthetic_root, synthetic_manifest):
    root = synthetic_root / '300w/300w'
    groups = dict(
        train=('300w_afw', '300w_helen_trainset', '300w_lfpw_trainset'),
        common=('300w_helen_testset', '300w_lfpw_testset'),
        challenging=('300w_ibug', ))
    groups['full'] = groups['common'] + groups['challenging']
    for subset, splits in groups.items():
        split = 'train' if subset == 'train' else 'test'
        kw = {} if split == 'train' else dict(subset=subset)
        ds = Face300WDVEDataset(str(root), split=split, check_size=False,
                                **kw)
        faces = [f for s in splits for f in _faces(synthetic_manifest, s)]
        windows = [dve_300w_window(np.array(f['box'])) for f in faces]
        _check(ds, faces, synthetic_root, windows, k=68)
    assert ds.metainfo['dataset_name'] == '300w'
    assert ds.metainfo['num_keypoints'] == 68
    assert ds.metainfo['flip_indices'][36] == 45
    with pytest.raises(ValueError, match='subset'):
        Face300WDVEDataset(str(root), split='train', subset='common',
                           check_size=False)


def test_dve_300w_window():
    # a 104-px box: scale 0.5, 100x100 cut centred on the box, 2 px up
    win = dve_300w_window(np.array([101., 201., 204., 304.]))
    np.testing.assert_allclose(win[2:] - win[:2], [200., 200.])
    centre = (win[:2] + win[2:]) / 2
    np.testing.assert_allclose(centre, [153., 249.], atol=2.5)


def test_check_size(synthetic_root):
    with pytest.raises(DatasetFormatError, match='expected 1000'):
        MAFLDataset(str(synthetic_root / 'celeba'), split='test')
    with pytest.raises(DatasetFormatError, match='check_size=False'):
        Face300WDVEDataset(str(synthetic_root / '300w/300w'), split='train')


def test_matching_dataset(synthetic_root, synthetic_manifest, tmp_path):
    import shutil
    root = str(tmp_path / 'celeba')
    shutil.copytree(str(synthetic_root / 'celeba'), root)
    listed = (tmp_path / 'celeba/MAFL/testing.txt')
    names = listed.read_text().split()[::-1]  # an unsorted list file
    listed.write_text('\n'.join(names) + '\n')
    assert names != sorted(names)
    pipeline = [dict(type='MatchingPairWarp', seed=0),
                dict(type='PackMatchingInputs')]
    ds = MAFLMatchingDataset(root, check_size=False, pipeline=pipeline)
    assert len(ds) == len(names) // 2 == 2
    # DVE's pairs: ascending file-name order, not the list file's
    info = ds.get_data_info(1)
    assert [osp.basename(p) for p in info['img_paths']] == sorted(names)[2:4]
    listed_ds = MAFLMatchingDataset(root, check_size=False, order='list')
    assert [osp.basename(p) for p in listed_ds.get_data_info(1)[
        'img_paths']] == names[2:4]
    assert info['keypoints'].shape == (2, 5, 2)
    with pytest.raises(ValueError, match='order'):
        MAFLMatchingDataset(root, check_size=False, order='random')
    a, b = ds[1], MAFLMatchingDataset(root, check_size=False,
                                      pipeline=pipeline)[1]
    assert tuple(a['inputs'].shape) == (3, 3, 96, 96)
    assert bool((a['inputs'] == b['inputs']).all())
    for key in ('src_keypoints', 'same_keypoints', 'diff_keypoints'):
        np.testing.assert_array_equal(a['data_samples'].metainfo[key],
                                      b['data_samples'].metainfo[key])
    assert a['data_samples'].metainfo['pair_id'] == 1
    # DVE's keypoint rule: integer ground truth in every packed sample
    for i in range(len(ds)):
        meta = ds[i]['data_samples'].metainfo
        for key in ('src_keypoints', 'same_keypoints', 'diff_keypoints'):
            np.testing.assert_array_equal(meta[key], np.round(meta[key]))
    # MAFL training images for model selection off the test set
    train = MAFLMatchingDataset(root, check_size=False, split='train',
                                max_images=4)
    assert len(train) == 2
    train_names = sorted((tmp_path / 'celeba/MAFL/training.txt')
                         .read_text().split())
    assert [osp.basename(p) for p in train.get_data_info(0)[
        'img_paths']] == train_names[:2]


def _load_cfg(name, data_root):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if key in cfg:
            cfg[key].dataset.data_root = data_root
            cfg[key].dataset.check_size = False
    return cfg


@pytest.mark.parametrize('name,sub,k', [
    ('mafl.py', 'celeba', 5), ('aflw_m.py', 'aflw-mtfl', 5),
    ('aflw_r.py', 'aflw/aflw_release-2', 5), ('300w.py', '300w/300w', 68)])
def test_config_pipelines_through_mmpose(synthetic_root, name, sub, k):
    """LoadImage -> DVEFaceCrop (with the detection configs' context) ->
    GenerateTarget (RegressionLabel) -> PackPoseInputs, then the configs'
    InputFrameNME (percent)."""
    cfg = _load_cfg(name, str(synthetic_root / sub))
    train = DATASETS.build(cfg.train_dataloader.dataset)
    out = train[0]
    side = 96 + 2 * cfg.context  # the 96-px crop and its real context
    assert cfg.context == 4
    assert tuple(out['inputs'].shape) == (3, side, side)
    labels = out['data_samples'].gt_instance_labels.keypoint_labels
    assert tuple(labels.shape) == (1, k, 2)
    # the test pipeline makes no targets (inference on unlabelled images);
    # the same crop with the training pipeline's targets gives the labels
    assert 'GenerateTarget' not in [t['type'] for t in cfg.test_pipeline]
    test = DATASETS.build(dict(cfg.test_dataloader.dataset,
                               pipeline=cfg.train_pipeline))
    metric = METRICS.build(cfg.test_evaluator)
    metric.dataset_meta = test.metainfo
    samples = []
    for i in range(len(test)):
        out = test[i]
        sample = out['data_samples']
        meta = sample.metainfo
        # labels are the crop-frame landmarks / 96
        lab = sample.gt_instance_labels.keypoint_labels.numpy()[0]
        # a perfect prediction in the crop, mapped back as mmpose does
        pred = (lab * 96. / np.array(meta['input_size'])
                * meta['input_scale'] + meta['input_center']
                - 0.5 * meta['input_scale'])
        gt = sample.gt_instances.keypoints[0]
        np.testing.assert_allclose(pred, gt, atol=1e-3)
        samples.append(dict(
            gt_instances=dict(keypoints=sample.gt_instances.keypoints,
                              keypoints_visible=(
                                  sample.gt_instances.keypoints_visible)),
            pred_instances=dict(keypoints=(pred + 1.)[None]),
            **{key: meta[key] for key in ('input_center', 'input_scale',
                                          'input_size')}))
    metric.process([], samples)
    result = metric.evaluate(len(samples))
    # 1 px off (original frame) at the scale of the face, in percent
    assert 0. < result['NME'] < 20. and 0. < result['NME_original'] < 20.


def test_celeba_config(synthetic_root):
    cfg = Config.fromfile(osp.join(CONFIGS, 'celeba.py'))
    ds = DATASETS.build(dict(cfg.celeba_train, check_size=False,
                             data_root=str(synthetic_root / 'celeba')))
    assert len(ds) > 0
    cfg = Config.fromfile(osp.join(CONFIGS, 'mafl_matching.py'))
    cfg.test_dataloader.dataset.data_root = str(synthetic_root / 'celeba')
    cfg.test_dataloader.dataset.check_size = False
    ds = DATASETS.build(cfg.test_dataloader.dataset)
    side = 96 + 2 * cfg.context  # the matching configs' context
    assert cfg.context == 4
    assert tuple(ds[0]['inputs'].shape) == (3, 3, side, side)


# ---------------------------------------------------------------- bad input


@pytest.fixture
def copy_root(synthetic_root, tmp_path):
    count = [0]

    def copy(sub):
        count[0] += 1
        dst = tmp_path / f'{count[0]}_{sub.replace("/", "_")}'
        shutil.copytree(synthetic_root / sub, dst)
        return dst
    return copy


def _raises(exc, match, fn):
    with pytest.raises(exc) as info:
        fn()
    assert match in str(info.value), str(info.value)
    return str(info.value)


def test_missing_root(tmp_path):
    missing = str(tmp_path / 'nowhere')
    for cls in (CelebADataset, MAFLDataset, AFLWMDataset, AFLWRDataset,
                Face300WDVEDataset, MAFLMatchingDataset):
        _raises(FileNotFoundError, missing,
                lambda: cls(missing, check_size=False))


def test_missing_split_files(copy_root):
    cases = [
        ('celeba', 'MAFL/testing.txt', MAFLDataset, dict(split='test')),
        ('celeba', 'Eval/list_eval_partition.txt', CelebADataset, {}),
        ('celeba', 'Anno/list_landmarks_align_celeba.txt', MAFLDataset, {}),
        ('aflw-mtfl', 'MTFL/testing.txt', AFLWMDataset, dict(split='test')),
        ('aflw-mtfl', 'aflw_cropped/facedata_cropped.csv', AFLWMDataset, {}),
        ('aflw/aflw_release-2', 'aflw_train_images.txt', AFLWRDataset, {}),
        ('aflw/aflw_release-2', 'aflw_test_keypoints.mat', AFLWRDataset,
         dict(split='test')),
        ('300w/300w', 'Bounding Boxes/bounding_boxes_ibug.mat',
         Face300WDVEDataset, dict(split='test')),
    ]
    for sub, rel, cls, kw in cases:
        root = copy_root(sub)
        os.remove(root / rel)
        _raises(FileNotFoundError, str(root / rel),
                lambda: cls(str(root), check_size=False, **kw))
        shutil.rmtree(root)


def test_missing_image(copy_root, synthetic_manifest):
    cases = [('celeba', MAFLDataset, dict(split='train'), 'mafl_train',
              'MAFL/training.txt'),
             ('aflw-mtfl', AFLWMDataset, dict(split='test'), 'aflw_m_test',
              'MTFL/testing.txt'),
             ('aflw/aflw_release-2', AFLWRDataset, {}, 'aflw_r_train',
              'aflw_train_images.txt'),
             ('300w/300w', Face300WDVEDataset, {}, '300w_lfpw_trainset',
              'bounding_boxes_lfpw_trainset.mat')]
    for sub, cls, kw, split, source in cases:
        root = copy_root(sub)
        face = _faces(synthetic_manifest, split)[-1]
        os.remove(root / face['file'])
        msg = _raises(FileNotFoundError, str(root / face['file']),
                      lambda: cls(str(root), check_size=False, **kw))
        assert source in msg


def _edit_line(path, lineno, fn):
    lines = path.read_text().splitlines()
    lines[lineno - 1] = fn(lines[lineno - 1])
    path.write_text('\n'.join(lines) + '\n')


def test_malformed_lines(copy_root):
    root = copy_root('celeba')
    lm = root / 'Anno/list_landmarks_align_celeba.txt'
    _edit_line(lm, 5, lambda s: s.rsplit(' ', 1)[0])  # drop a field
    msg = _raises(DatasetFormatError, f'{lm}, line 5',
                  lambda: MAFLDataset(str(root), check_size=False))
    assert '11 fields' in msg
    _edit_line(lm, 5, lambda s: s + ' x7')
    _raises(DatasetFormatError, f'{lm}, line 5',
            lambda: CelebADataset(str(root), check_size=False))
    root = copy_root('celeba')
    lm = root / 'Anno/list_landmarks_align_celeba.txt'
    _edit_line(lm, 1, lambda s: str(int(s) + 1))  # wrong count line
    _raises(DatasetFormatError, 'announces',
            lambda: MAFLDataset(str(root), check_size=False))
    root = copy_root('celeba')
    part = root / 'Eval/list_eval_partition.txt'
    _edit_line(part, 3, lambda s: s[:-1] + '7')
    _raises(DatasetFormatError, f'{part}, line 3',
            lambda: CelebADataset(str(root), check_size=False))

    root = copy_root('aflw-mtfl')
    test = root / 'MTFL/testing.txt'
    _edit_line(test, 2, lambda s: ' '.join(s.split()[:12]))
    _raises(DatasetFormatError, f'{test}, line 2',
            lambda: AFLWMDataset(str(root), split='test', check_size=False))
    _edit_line(test, 2, lambda s: s + ' a b 1 2')
    csv = root / 'aflw_cropped/facedata_cropped.csv'
    _edit_line(csv, 3, lambda s: ','.join(
        v if k != 6 else 'abc' for k, v in enumerate(s.split(','))))
    msg = _raises(DatasetFormatError, f'{csv}, line 3',
                  lambda: AFLWMDataset(str(root), check_size=False))
    assert 'x1,y1' in msg
    _edit_line(csv, 3, lambda s: ','.join(s.split(',')[:8]))
    _raises(DatasetFormatError, f'{csv}, line 3',
            lambda: AFLWMDataset(str(root), check_size=False))


def test_bad_pts(copy_root, synthetic_manifest):
    root = copy_root('300w/300w')
    face = _faces(synthetic_manifest, '300w_afw')[0]
    pts = (root / face['file']).with_suffix('.pts')
    lines = pts.read_text().splitlines()
    pts.write_text('\n'.join(lines[:3] + lines[4:]) + '\n')  # 67 points
    msg = _raises(DatasetFormatError, str(pts),
                  lambda: Face300WDVEDataset(str(root), check_size=False))
    assert '68' in msg
    lines[1] = 'n_points: 67'
    pts.write_text('\n'.join(lines) + '\n')
    _raises(DatasetFormatError, f'{pts}, line 2',
            lambda: Face300WDVEDataset(str(root), check_size=False))
    lines[1] = 'n_points:  68'
    lines[10] = '12.5 abc'
    pts.write_text('\n'.join(lines) + '\n')
    _raises(DatasetFormatError, f'{pts}, line 11',
            lambda: Face300WDVEDataset(str(root), check_size=False))


def test_mat_missing_field(copy_root):
    root = copy_root('aflw/aflw_release-2')
    mat = root / 'aflw_train_keypoints.mat'
    gt = scipy.io.loadmat(str(mat))['gt']
    savemat_deterministic(str(mat), dict(gt=gt))
    msg = _raises(DatasetFormatError, str(mat),
                  lambda: AFLWRDataset(str(root), check_size=False))
    assert '"hw"' in msg
    savemat_deterministic(str(mat), dict(keypoints=gt))
    msg = _raises(DatasetFormatError, str(mat),
                  lambda: AFLWRDataset(str(root), check_size=False))
    assert '"gt"' in msg

    root = copy_root('300w/300w')
    box = root / 'Bounding Boxes/bounding_boxes_afw.mat'
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = dict(imgName='x.jpg', bb_detector=np.zeros((1, 4)))
    savemat_deterministic(str(box), dict(bounding_boxes=cell))
    msg = _raises(DatasetFormatError, str(box),
                  lambda: Face300WDVEDataset(str(root), check_size=False))
    assert 'bb_ground_truth' in msg
    savemat_deterministic(str(box), dict(boxes=cell))
    _raises(DatasetFormatError, 'bounding_boxes',
            lambda: Face300WDVEDataset(str(root), check_size=False))


def test_unreadable_image(copy_root):
    root = copy_root('celeba')
    ds = MAFLDataset(str(root), split='test', check_size=False,
                     pipeline=[dict(type='LoadImage'),
                               dict(type='DVEFaceCrop')])
    path = ds.get_data_info(0)['img_path']
    with open(path, 'wb') as f:
        f.write(b'\x00garbage, not a jpeg')
    with pytest.raises(Exception) as info:
        ds[0]
    assert path in str(info.value)
