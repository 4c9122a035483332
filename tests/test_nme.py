"""NMEPercent: mmpose's NME, in percent, checked by hand."""
import numpy as np
import pytest
from mmpose.registry import METRICS


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
