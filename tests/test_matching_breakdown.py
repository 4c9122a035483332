"""Issue 19 §1: within-N-px, mirror and far rates of matching errors."""
import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from sce_mae_mm.datasets.metainfo import face5_metainfo
from sce_mae_mm.evaluation.functional import (far_flags, landmark_errors,
                                              matching_breakdown, mirror_flags,
                                              within_rates)
from sce_mae_mm.evaluation.metrics import MAFLMatchingMetric

FLIP = [1, 0, 2, 4, 3]  # eyes and mouth corners swap, the nose stays

# two 5-point faces: left eye, right eye, nose, left / right mouth corner
GT = np.array([
    [[30, 40], [60, 40], [45, 55], [35, 70], [55, 70]],  # iod 30
    [[30, 40], [50, 40], [40, 55], [40, 70], [44, 70]],  # iod 20
], np.float64)
PRED = np.array([
    # the eyes swapped, the rest exact: errors 30, 30, 0, 0, 0
    [[60, 40], [30, 40], [45, 55], [35, 70], [55, 70]],
    # errors 1, 2, 25 (> iod 20: far), 3 (nearer the right corner, 1 px,
    # but only 3 px off: not mirrored), 3.5 (0.5 px from the left corner
    # and 3.5 > 3 px off: mirrored)
    [[31, 40], [52, 40], [40, 80], [43, 70], [40.5, 70]],
], np.float64)


def test_errors_and_within_rates_by_hand():
    errors = landmark_errors(PRED, GT)
    np.testing.assert_allclose(errors, [[30, 30, 0, 0, 0],
                                        [1, 2, 25, 3, 3.5]])
    # <= 1: three zeros and the 1; <= 3: also 2 and 3; <= 5: also 3.5
    assert within_rates(errors) == pytest.approx(
        {'within_1px': 0.4, 'within_3px': 0.6, 'within_5px': 0.7})
    assert within_rates(errors * 0.5, (1, )) == pytest.approx(
        {'within_1px': 0.5})  # 0, 0, 0, 0.5, 1 of ten


def test_swapped_eyes_are_mirrored():
    flags = mirror_flags(PRED, GT, FLIP)
    assert flags.tolist() == [[True, True, False, False, False],
                              [False, False, False, False, True]]
    # the nose has no partner: never mirrored, however far
    assert not mirror_flags(GT[:, [2, 2]] + 50, GT[:, [2, 2]], [0, 1]).any()


def test_far_flags_against_the_targets_interocular_distance():
    flags = far_flags(PRED, GT)
    # face 1: errors 30 equal (not beyond) its inter-ocular 30
    assert flags.tolist() == [[False] * 5, [False, False, True, False,
                                            False]]


def test_breakdown_by_hand():
    out = matching_breakdown(PRED, GT, FLIP)
    assert out == pytest.approx({
        'within_1px': 0.4, 'within_3px': 0.6, 'within_5px': 0.7,
        'mirror_rate': 3 / 8,  # of the 8 paired landmarks
        'far_rate': 0.1})
    # in a half-size reporting frame the 3.5-px error is 1.75 px: not
    # mirrored; the eyes (15 px) still are
    half = matching_breakdown(PRED, GT, FLIP, scale=0.5)
    assert half['mirror_rate'] == pytest.approx(2 / 8)
    assert half['within_1px'] == pytest.approx(0.5)
    assert half['far_rate'] == pytest.approx(0.1)  # frame-independent
    assert 'mirror_rate' not in matching_breakdown(PRED, GT, None)


def test_breakdown_bad_inputs_raise():
    with pytest.raises(ValueError, match='flip_indices'):
        mirror_flags(PRED, GT, [1, 0, 2])
    with pytest.raises(ValueError, match='interocular'):
        far_flags(PRED, GT, (0, 5))
    with pytest.raises(ValueError, match=r'\(N, K, 2\)'):
        landmark_errors(PRED[:, :4], GT)


def _samples() -> list:
    """Two pairs: 'same' predictions PRED, 'diff' exact, DVE's rule one
    pixel right, sources two pixels right of the truth."""
    return [dict(src_keypoints=GT[i] + [2, 0], same_keypoints=GT[i],
                 diff_keypoints=GT[i], pred_same_keypoints=PRED[i],
                 pred_diff_keypoints=GT[i],
                 pred_same_dve_keypoints=GT[i] + [1, 0],
                 pred_diff_dve_keypoints=GT[i] + [1, 0])
            for i in range(2)]


def test_metric_reports_every_key():
    metric = MAFLMatchingMetric(image_size=96, frame_size=96,
                                report_dve=True)
    metric.dataset_meta = parse_pose_metainfo(face5_metainfo('mafl'))
    assert list(metric.dataset_meta['flip_indices']) == FLIP
    metric.process({}, _samples())
    result = metric.evaluate(2)
    names = ['left_eye', 'right_eye', 'nose', 'left_mouth', 'right_mouth']
    expected = set()
    for group in ('same', 'diff'):
        for key in (group, f'{group}_baseline'):
            expected |= {f'matching/{key}'}
            expected |= {f'matching/{key}_{n}' for n in names}
            expected |= {f'matching/{key}_within_{t}px' for t in (1, 3, 5)}
            expected |= {f'matching/{key}_mirror_rate',
                         f'matching/{key}_far_rate'}
        expected.add(f'matching/{group}_dve')
        for key in (group, f'{group}_baseline', f'{group}_dve'):
            expected |= {f'matching/{key}_ci_low', f'matching/{key}_ci_high'}
        for key in (f'{group}_minus_baseline', f'{group}_dve_minus_baseline'):
            expected |= {f'matching/{key}{end}'
                         for end in ('', '_ci_low', '_ci_high')}
    assert set(result) == expected
    assert result['matching/same_mirror_rate'] == pytest.approx(3 / 8)
    assert result['matching/same_far_rate'] == pytest.approx(0.1)
    assert result['matching/same_within_3px'] == pytest.approx(0.6)
    assert result['matching/diff_within_1px'] == pytest.approx(1.)
    assert result['matching/diff_mirror_rate'] == pytest.approx(0.)
    # baseline 2 px off everywhere: within 3 and 5 px, not within 1
    assert result['matching/same_baseline_within_1px'] == pytest.approx(0.)
    assert result['matching/same_baseline_within_3px'] == pytest.approx(1.)
    assert result['matching/diff_baseline_far_rate'] == pytest.approx(0.)
    assert result['matching/same_dve'] == pytest.approx(1.)


def test_metric_breakdown_in_the_70px_frame():
    # 96 -> 70 px: the 3.5-px error is 2.55 px, not beyond 3 px: the only
    # mirrored landmarks left are the swapped eyes (2 of 8)
    metric = MAFLMatchingMetric(flip_indices=FLIP, groups=('same', ))
    metric.process({}, _samples())
    result = metric.evaluate(2)
    assert result['matching/same_mirror_rate'] == pytest.approx(2 / 8)
    # 70/96 x (1, 2, 3, 3.5) = 0.73, 1.46, 2.19, 2.55: within 3 px
    assert result['matching/same_within_1px'] == pytest.approx(0.4)
    assert result['matching/same_within_3px'] == pytest.approx(0.7)


def test_metric_without_flip_indices_omits_only_the_mirror_rates():
    metric = MAFLMatchingMetric(groups=('same', ), baseline=False)
    metric.process({}, _samples())
    result = metric.evaluate(2)
    assert 'matching/same_far_rate' in result
    assert 'matching/same_mirror_rate' not in result
    metric = MAFLMatchingMetric(groups=('same', ), flip_indices=[1, 0])
    metric.process({}, _samples())
    with pytest.raises(ValueError, match='flip_indices has 2 entries'):
        metric.evaluate(2)
