"""NMEPercent and InputFrameNME, checked by hand."""
import numpy as np
import pytest
from mmpose.registry import METRICS

import sce_mae_mm  # noqa: F401


def sample(pred, gt):
    pred = np.asarray(pred, dtype=np.float32)[None]
    gt = np.asarray(gt, dtype=np.float32)[None]
    return dict(
        pred_instances=dict(keypoints=pred),
        gt_instances=dict(
            keypoints=gt, keypoints_visible=np.ones(gt.shape[:2])))


def evaluate(indices, samples):
    metric = METRICS.build(
        dict(
            type='NMEPercent',
            norm_mode='keypoint_distance',
            keypoint_indices=indices))
    num = len(samples[0]['gt_instances']['keypoints'][0])
    metric.dataset_meta = dict(
        dataset_name='face', keypoint_id2name={k: f'p{k}'
                                               for k in range(num)})
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_nme_five_points_eye_centres():
    gt = [[30, 40], [70, 40], [50, 60], [35, 75], [65, 75]]  # iod 40
    pred1 = [[33, 44], [70, 40], [50, 60], [35, 75], [65, 69]]  # 5, 0..6
    gt2 = [[10, 10], [10, 30], [0, 0], [0, 0], [0, 0]]  # iod 20
    pred2 = [[10, 10], [12, 30], [0, 0], [0, 0], [0, 0]]  # 2
    result = evaluate([0, 1], [sample(pred1, gt), sample(pred2, gt2)])
    per_point = [5 / 40, 0, 0, 0, 6 / 40, 0, 2 / 20, 0, 0, 0]
    assert result['NME'] == pytest.approx(100 * np.mean(per_point))


def test_nme_300w_outer_eye_corners():
    rng = np.random.default_rng(0)
    gt = rng.uniform(0, 100, (68, 2))
    gt[36] = [20, 50]
    gt[45] = [80, 58]  # iod = sqrt(60^2 + 8^2) = 60.53...
    pred = gt.copy()
    pred[0] += [3, 4]  # 5 px
    pred[36] += [0, 1]  # 1 px (also moves nothing: iod uses gt)
    pred[67] -= [6, 8]  # 10 px
    iod = np.hypot(60, 8)
    result = evaluate([36, 45], [sample(pred, gt)])
    assert result['NME'] == pytest.approx(100 * (5 + 1 + 10) / 68 / iod)


# --- InputFrameNME: the input-frame NME (DVE), mean-shape baseline --------

def det_sample(pred, gt, window, visible=None):
    """A packed test sample with the DVE crop of ``window`` (136 -> 96)."""
    from sce_mae_mm.datasets.transforms.dve_crop import crop_center_scale
    center, scale = crop_center_scale(np.asarray(window, np.float64))
    gt = np.asarray(gt, np.float32)[None]
    vis = np.ones(gt.shape[:2]) if visible is None else np.asarray(
        visible, np.float32)[None]
    return dict(
        input_center=center, input_scale=scale, input_size=(96, 96),
        pred_instances=dict(keypoints=np.asarray(pred, np.float32)[None]),
        gt_instances=dict(keypoints=gt, keypoints_visible=vis))


def input_frame_metric(indices=(0, 1), **kwargs):
    metric = METRICS.build(
        dict(type='InputFrameNME', keypoint_indices=list(indices), **kwargs))
    metric.dataset_meta = dict(dataset_name='face')
    return metric


def test_input_frame_nme_anisotropic_aflw_r():
    # an AFLW_R-style image of 100 x 120 (h / w = 1.2), resized to 136 x 136
    # ignoring the aspect ratio, centre crop 96: x_in = 1.36 x - 20,
    # y_in = (136 / 120) y - 20
    window = (0, 0, 100, 120)
    gt = [[30, 50], [70, 50], [50, 70], [35, 90], [65, 90]]  # iod 40
    pred = [[30, 50], [70, 50], [50, 76], [35, 90], [65, 90]]  # nose 6 px
    metric = input_frame_metric()
    metric.process({}, [det_sample(pred, gt, window)])
    result = metric.evaluate(1)
    # by hand: original frame 6 / 40 per nose, input frame
    # (6 x 136 / 120) / (40 x 1.36)
    original = 100 * (6 / 40) / 5
    input_frame = 100 * (6 * 136 / 120) / (40 * 1.36) / 5
    assert result['NME_original'] == pytest.approx(original)  # 3.0 %
    assert result['NME'] == pytest.approx(input_frame)  # 2.5 %
    assert result['NME'] == pytest.approx(result['NME_original'] / 1.2)
    assert 'NME_mean_shape' not in result  # no mean shape set


def test_input_frame_nme_original_key_is_mmpose_nme():
    rng = np.random.default_rng(1)
    samples = []
    for _ in range(4):
        w, h = rng.uniform(80, 160, 2)
        gt = rng.uniform(10, 70, (5, 2))
        pred = gt + rng.normal(0, 3, (5, 2))
        samples.append(det_sample(pred, gt, (0, 0, w, h),
                                  visible=[1, 1, 1, 0, 1]))
    metric = input_frame_metric()
    metric.process({}, samples)
    ours = metric.evaluate(4)
    mmpose = evaluate([0, 1], [
        dict(pred_instances=s['pred_instances'],
             gt_instances=s['gt_instances']) for s in samples])
    assert ours['NME_original'] == pytest.approx(mmpose['NME'], rel=1e-6)
    assert abs(ours['NME'] - ours['NME_original']) > 1e-3


def test_input_frame_nme_square_crop_equals_original_frame():
    # isotropic crop (MAFL-like 178 x 178 window): both frames agree
    gt = [[60, 80], [110, 80], [85, 110], [65, 140], [105, 140]]
    pred = [[63, 84], [110, 80], [85, 104], [65, 140], [105, 141]]
    metric = input_frame_metric()
    metric.process({}, [det_sample(pred, gt, (0, 30, 178, 208))])
    result = metric.evaluate(1)
    assert result['NME'] == pytest.approx(result['NME_original'])


def test_mean_shape_baseline_by_hand():
    # two test faces in a 136-px window (x_in = x - 20), a given mean shape
    window = (0, 0, 136, 136)
    gt1 = [[40, 50], [80, 50], [60, 70], [45, 90], [75, 90]]  # iod 40
    gt2 = [[30, 40], [90, 40], [60, 60], [40, 95], [80, 95]]  # iod 60
    mean_in = np.array([[20, 30], [60, 30], [40, 50], [25, 70], [55, 70]],
                       np.float64)  # = gt1 in the input frame
    metric = input_frame_metric(mean_shape=mean_in.tolist())
    metric.process({}, [det_sample(gt1, gt1, window),
                        det_sample(gt2, gt2, window)])
    result = metric.evaluate(2)
    assert result['NME'] == pytest.approx(0.0)
    # face 2 in the input frame minus the mean shape, per point
    gt2_in = np.asarray(gt2, np.float64) - 20
    err2 = np.linalg.norm(gt2_in - mean_in, axis=1) / 60
    expected = 100 * np.concatenate([np.zeros(5), err2]).mean()
    assert result['NME_mean_shape'] == pytest.approx(expected)


def test_mean_shape_from_training_set_and_hook(synthetic_root):
    from types import SimpleNamespace

    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS, HOOKS

    from sce_mae_mm.evaluation.metrics import mean_shape_from_dataset
    init_default_scope('mmpose')
    dataset = dict(
        type='AFLWRDataset',
        data_root=str(synthetic_root / 'aflw' / 'aflw_release-2'),
        split='train', check_size=False,
        pipeline=[dict(type='DVEFaceCrop', resize=136, crop=96)])
    mean = mean_shape_from_dataset(dict(type='RepeatDataset', times=3,
                                        dataset=dataset))
    # by hand: each face's landmarks through its own DVE crop, averaged
    built = DATASETS.build(dict(dataset, pipeline=[], lazy_init=False))
    assert len(built) >= 2
    crops = []
    for i in range(len(built)):
        info = built.get_data_info(i)
        x1, y1, x2, y2 = np.asarray(info['bbox']).reshape(-1)
        kp = np.asarray(info['keypoints'], np.float64).reshape(-1, 2)
        crops.append(np.stack([(kp[:, 0] - x1) * 136 / (x2 - x1) - 20,
                               (kp[:, 1] - y1) * 136 / (y2 - y1) - 20], 1))
    np.testing.assert_allclose(mean, np.mean(crops, axis=0), atol=1e-9)
    # a subset (limited annotations) gives the mean of its own faces
    first = mean_shape_from_dataset(dict(dataset, indices=[0]))
    np.testing.assert_allclose(first, crops[0], atol=1e-9)

    # the hook fills the test metric from the run's training set
    metric = input_frame_metric()
    runner = SimpleNamespace(
        cfg=Config(dict(train_dataloader=dict(dataset=dataset))),
        test_loop=SimpleNamespace(
            evaluator=SimpleNamespace(metrics=[metric])))
    hook = HOOKS.build(dict(type='MeanShapeBaselineHook'))
    hook.before_test(runner)
    np.testing.assert_allclose(metric.mean_shape, mean, atol=1e-9)


def test_input_frame_nme_errors_name_the_metric():
    metric = input_frame_metric()
    bad = det_sample(np.zeros((5, 2)), np.ones((5, 2)), (0, 0, 10, 10))
    del bad['input_scale']
    with pytest.raises(KeyError, match='InputFrameNME'):
        metric.process({}, [bad])
    with pytest.raises(ValueError, match='two'):
        input_frame_metric(indices=(0, ))
