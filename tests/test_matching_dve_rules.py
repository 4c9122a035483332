"""Issue 20: matching scored by our rule and by DVE's (SPEC §4).

DVE's ``test_matching.py`` differs from our default in three ways: argmax
over the descriptor grid (``find_descriptor``) instead of the upsampled
pixels, raw dot product instead of cosine, and the source image resampled
twice (through g1, then g2) instead of once.
"""
import cv2
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.structures import BaseDataElement

from sce_mae_mm.datasets.transforms import MatchingPairWarp
from sce_mae_mm.datasets.transforms.matching import warp_chain_image
from sce_mae_mm.datasets.transforms.tps_warp import identity_tps_params
from sce_mae_mm.evaluation import match_landmarks
from sce_mae_mm.evaluation.functional import (DVE_RULE, MatchingRule,
                                              resolve_matching_rule)
from sce_mae_mm.evaluation.metrics import MAFLMatchingMetric
from sce_mae_mm.models.pose_estimators import LandmarkMatcher


def peak_and_plateau(size: int = 6) -> torch.Tensor:
    """(size, size) cell scores: an isolated peak 10 at cell (x=1, y=1) and
    a 2x2 plateau of 7 at cells x, y in {3, 4}; 0 elsewhere.

    Upsampled x2 (``align_corners=False``) pixel ``p`` reads cell
    coordinate ``p / 2 - 0.25``: pixels 2, 3 weigh cell 1 by 0.75, so the
    peak gives at most 0.75 * 0.75 * 10 = 5.625, while pixels 7, 8 read
    0.75 / 0.25 of cells 3 and 4, both 7: the plateau keeps 7.
    """
    score = torch.zeros(size, size)
    score[1, 1] = 10.
    score[3:5, 3:5] = 7.
    return score


def test_grid_and_pixel_argmax_differ_by_hand():
    # dot product with a constant source descriptor (1, 0): the score of a
    # target cell is its channel 0; bilinear upsampling is linear, so the
    # pixel scores are the upsampled cell scores
    tgt = torch.zeros(1, 2, 6, 6)
    tgt[0, 0] = peak_and_plateau()
    src = torch.zeros(1, 2, 6, 6)
    src[0, 0] = 1.
    kpts = torch.tensor([[[5., 6.]]])
    grid = match_landmarks(src, tgt, kpts, (12, 12), argmax='grid',
                           similarity='dot')
    pixel = match_landmarks(src, tgt, kpts, (12, 12), argmax='pixel',
                            similarity='dot')
    assert grid.tolist() == [[[2., 2.]]]  # best cell (1, 1) x stride 2
    assert pixel.tolist() == [[[7., 7.]]]  # first plateau pixel (7, 7)


def test_grid_source_cell_rounded_and_clamped():
    # one-hot cell codes: a source cell matches only itself
    codes = torch.eye(36).reshape(1, 36, 6, 6)
    kpts = torch.tensor([[[3., 5.], [11., -3.], [4.4, 7.6], [9., 1.]]])
    pred = match_landmarks(codes, codes, kpts, (12, 12), argmax='grid')
    # x / 2 = 1.5 -> 2 and 2.5 -> 2 (half to even, as np.round);
    # 5.5 -> 6 clamped to 5, -1.5 -> -2 clamped to 0; 2.2 -> 2, 3.8 -> 4;
    # 4.5 -> 4, 0.5 -> 0
    assert pred.tolist() == [[[4., 4.], [10., 0.], [4., 8.], [8., 0.]]]


def test_grid_stride_from_image_and_map_sizes():
    # a 3 x 12 map over a 12 x 24 image: stride 24 / 12 = 2 in x and
    # 12 / 3 = 4 in y; (9, 5) -> cell (round(4.5) = 4, round(1.25) = 1)
    codes = torch.eye(36).reshape(1, 36, 3, 12)
    kpts = torch.tensor([[[9., 5.]]])
    pred = match_landmarks(codes, codes, kpts, (12, 24), argmax='grid')
    assert pred.tolist() == [[[8., 4.]]]


@pytest.mark.parametrize('argmax', ['pixel', 'grid'])
def test_dot_and_cosine_differ_on_varying_norms(argmax):
    # full-resolution maps (stride 1): the source descriptor is (1, 0);
    # target pixel (1, 0) has norm 1 and is perfectly aligned (cosine 1,
    # dot 1); pixel (3, 2) is (3, 3): cosine 0.707, dot 3
    src = torch.zeros(1, 2, 4, 4)
    src[0, 0] = 1.
    tgt = torch.zeros(1, 2, 4, 4)
    tgt[0, :, 0, 1] = torch.tensor([1., 0.])
    tgt[0, :, 2, 3] = torch.tensor([3., 3.])
    kpts = torch.tensor([[[2., 2.]]])
    cosine = match_landmarks(src, tgt, kpts, (4, 4), argmax=argmax,
                             similarity='cosine')
    dot = match_landmarks(src, tgt, kpts, (4, 4), argmax=argmax,
                          similarity='dot')
    assert cosine.tolist() == [[[1., 0.]]]
    assert dot.tolist() == [[[3., 2.]]]


def test_dot_equals_cosine_on_unit_grid_descriptors():
    feats = F.normalize(torch.randn(2, 8, 6, 6, generator=torch.Generator()
                                    .manual_seed(0)), dim=1)
    kpts = torch.tensor([[[3., 4.], [7., 2.]], [[0., 11.], [5., 5.]]])
    dot = match_landmarks(feats, feats.flip(-1), kpts, (12, 12),
                          argmax='grid', similarity='dot')
    cosine = match_landmarks(feats, feats.flip(-1), kpts, (12, 12),
                             argmax='grid', similarity='cosine')
    assert torch.equal(dot, cosine)
    # the flipped map: source cell (cx, cy) is target cell (5 - cx, cy)
    assert dot[0, 0].tolist() == [(5 - 2) * 2., 2 * 2.]


def half_pixel_shift() -> dict:
    """A pure translation by +0.5 px in x on an 11-px frame (normalised
    units 2 / 10 per pixel): the sampling map reads ``in(x + 0.5, y)``."""
    prm = identity_tps_params()
    prm['affine'][0] = [0.1, 0.]
    return prm


def test_twice_and_once_resampling_by_hand():
    img = np.zeros((11, 11), np.float32)
    img[5, 5] = 100.
    chain = [half_pixel_shift(), half_pixel_shift()]
    once = warp_chain_image(img, chain, 11, 0, 'constant', 'once')
    twice = warp_chain_image(img, chain, 11, 0, 'constant', 'twice')
    # once: in(x + 1): the bright pixel moves to x = 4, intact
    assert once[5, 4] == pytest.approx(100.)
    assert once[5, 3] == pytest.approx(0.)
    assert once[5, 5] == pytest.approx(0.)
    # twice: (in(x) + in(x+1)) / 2, then again: 25 / 50 / 25 at x = 3, 4, 5
    assert twice[5, 4] == pytest.approx(50.)
    assert twice[5, 3] == pytest.approx(25.)
    assert twice[5, 5] == pytest.approx(25.)
    assert twice.sum() == pytest.approx(100.)  # no mass leaves the frame
    with pytest.raises(ValueError, match=r"source_resample.*'once', 'twice'"):
        warp_chain_image(img, chain, 11, 0, 'constant', 'thrice')


def _pair_outputs(tmp_path, **kwargs) -> dict:
    """MatchingPairWarp on two random images (pair 3)."""
    rng = np.random.default_rng(0)
    paths = []
    for k in range(2):
        paths.append(str(tmp_path / f'{k}.png'))
        cv2.imwrite(paths[-1], rng.integers(0, 255, (218, 178, 3),
                                            dtype=np.uint8))
    kpts = np.array([[[70., 100.], [110., 100.], [90., 120.], [75., 140.],
                      [105., 140.]]] * 2)
    t = MatchingPairWarp(seed=0, **kwargs)
    return t(dict(pair_id=3, img_paths=paths, keypoints=kpts,
                  bbox=np.array([[0., 30., 178., 208.]] * 2)))


def test_pair_warp_source_resample_only_changes_the_source(tmp_path):
    once = _pair_outputs(tmp_path)
    twice = _pair_outputs(tmp_path, protocol='dve')
    assert (once['source_resample'], twice['source_resample']) == ('once',
                                                                   'twice')
    np.testing.assert_array_equal(once['imgs'][1:], twice['imgs'][1:])
    for key in ('src_keypoints', 'same_keypoints', 'diff_keypoints'):
        np.testing.assert_array_equal(once[key], twice[key])
    # two bilinear passes blur: the source differs and has less contrast
    diff = np.abs(once['imgs'][0].astype(float) - twice['imgs'][0])
    assert diff.mean() > 1.
    assert twice['imgs'][0].std() < once['imgs'][0].std()
    explicit = _pair_outputs(tmp_path, protocol='dve', source_resample='once')
    np.testing.assert_array_equal(explicit['imgs'], once['imgs'])


def test_preset_sets_all_three_and_options_override():
    assert resolve_matching_rule() == MatchingRule('pixel', 'cosine', 'once')
    assert resolve_matching_rule('default') == resolve_matching_rule(None)
    assert resolve_matching_rule('dve') == DVE_RULE == MatchingRule(
        'grid', 'dot', 'twice')
    assert resolve_matching_rule('dve', similarity='cosine') == MatchingRule(
        'grid', 'cosine', 'twice')
    assert MatchingPairWarp(protocol='dve').source_resample == 'twice'
    assert MatchingPairWarp().source_resample == 'once'
    feats = torch.randn(2, 4, 6, 6, generator=torch.Generator()
                        .manual_seed(1))
    tgt = torch.randn(2, 4, 6, 6, generator=torch.Generator().manual_seed(2))
    kpts = torch.tensor([[[3., 4.]], [[8., 1.]]])
    assert torch.equal(
        match_landmarks(feats, tgt, kpts, (12, 12), protocol='dve'),
        match_landmarks(feats, tgt, kpts, (12, 12), argmax='grid',
                        similarity='dot'))
    # every grid prediction is a multiple of the stride
    pred = match_landmarks(feats, tgt, kpts, (12, 12), protocol='dve')
    assert torch.equal(pred % 2, torch.zeros_like(pred))


@pytest.mark.parametrize('name, value, allowed', [
    ('protocol', 'DVE', "'default', 'dve'"),
    ('argmax', 'cell', "'pixel', 'grid'"),
    ('similarity', 'l2', "'cosine', 'dot'"),
    ('source_resample', 2, "'once', 'twice'"),
])
def test_invalid_options_name_argument_and_allowed(name, value, allowed):
    feats = torch.zeros(1, 2, 3, 3)
    with pytest.raises(ValueError, match=f'match_landmarks: {name} .*'
                       f'{allowed}'):
        match_landmarks(feats, feats, torch.zeros(1, 1, 2), (6, 6),
                        **{name: value})
    with pytest.raises(ValueError, match=f'LandmarkMatcher.*{name}'):
        LandmarkMatcher(backbone=dict(type=BlockMeans), descriptor='backbone',
                        **{name: value})
    if name in ('protocol', 'source_resample'):
        with pytest.raises(ValueError, match=f'MatchingPairWarp.*{name}'):
            MatchingPairWarp(**{name: value})


class BlockMeans(nn.Module):
    """Fake backbone: 2x2 means of the image, a stride-2 map whose cells
    are the image's 2x2 blocks."""

    def forward(self, x):
        return (F.avg_pool2d(x, 2), )


def _hand_triplet() -> torch.Tensor:
    """(1, 3, 3, 12, 12) uint8 [source, same, diff]: the source is (10, 0,
    0) everywhere; both targets hold peak_and_plateau x 10 in channel 0
    over a constant 50 in channel 1 (cosine grows with channel 0)."""
    src = torch.zeros(3, 6, 6)
    src[0] = 10.
    tgt = torch.zeros(3, 6, 6)
    tgt[0] = peak_and_plateau() * 10
    tgt[1] = 50.
    cells = torch.stack([src, tgt, tgt])
    pixels = cells.repeat_interleave(2, -1).repeat_interleave(2, -2)
    return pixels[None].to(torch.uint8)


def _samples(**meta) -> list:
    kpts = np.array([[5., 6.]], np.float32)
    return [BaseDataElement(metainfo=dict(
        src_keypoints=kpts, same_keypoints=kpts * 0 + 7,
        diff_keypoints=kpts * 0 + 2, input_size=(12, 12), **meta))]


@pytest.mark.parametrize('protocol', [None, 'dve'])
def test_matcher_report_dve_and_metric_keys(protocol):
    matcher = LandmarkMatcher(
        backbone=dict(type=BlockMeans), descriptor='backbone',
        protocol=protocol, source_resample='once', report_dve=True,
        data_preprocessor=dict(type='MatchingDataPreprocessor',
                               mean=(0, 0, 0), std=(1, 1, 1)))
    data = matcher.data_preprocessor(
        dict(inputs=list(_hand_triplet()), data_samples=_samples()))
    out = matcher(**data, mode='predict')[0]
    # ours: the plateau pixel (7, 7); DVE's: the peak cell (1, 1) x 2
    main = [[2., 2.]] if protocol == 'dve' else [[7., 7.]]
    np.testing.assert_array_equal(out.pred_same_keypoints, main)
    np.testing.assert_array_equal(out.pred_same_dve_keypoints, [[2., 2.]])
    np.testing.assert_array_equal(out.pred_diff_dve_keypoints, [[2., 2.]])

    metric = MAFLMatchingMetric(image_size=12, frame_size=12,
                                report_dve=True, breakdown=False)
    metric.process({}, [out.to_dict()])
    result = metric.evaluate(1)
    # same truth (7, 7), diff truth (2, 2): errors |(5, 5)| = 5 sqrt 2
    assert result['matching/same_dve'] == pytest.approx(5 * np.sqrt(2))
    assert result['matching/diff_dve'] == pytest.approx(0.)
    assert result['matching/same'] == pytest.approx(
        5 * np.sqrt(2) if protocol == 'dve' else 0.)
    assert 'matching/same_dve_kpt0' not in result


def test_matcher_refuses_a_pipeline_resampled_otherwise():
    matcher = LandmarkMatcher(
        backbone=dict(type=BlockMeans), descriptor='backbone',
        protocol='dve',
        data_preprocessor=dict(type='MatchingDataPreprocessor',
                               mean=(0, 0, 0), std=(1, 1, 1)))
    data = matcher.data_preprocessor(dict(
        inputs=list(_hand_triplet()),
        data_samples=_samples(source_resample='once')))
    with pytest.raises(ValueError, match="source_resample='twice'"):
        matcher(**data, mode='predict')


def test_metric_report_dve_needs_the_predictions():
    metric = MAFLMatchingMetric(report_dve=True)
    gt = np.zeros((1, 2))
    with pytest.raises(KeyError, match='pred_same_dve_keypoints.*'
                       'model.report_dve=True'):
        metric.process({}, [dict(src_keypoints=gt, same_keypoints=gt,
                                 diff_keypoints=gt, pred_same_keypoints=gt,
                                 pred_diff_keypoints=gt)])


def test_matching_configs_report_dve_by_default():
    from pathlib import Path

    from mmengine.config import Config
    root = Path(__file__).resolve().parents[1] / 'configs'
    paths = sorted({*root.glob('matching/*.py'),
                    *root.glob('synthetic/*matching*.py'),
                    *root.glob('baselines/*matching*.py'),
                    *root.glob('baselines/synthetic/*matching*.py')})
    assert len(paths) >= 12
    for path in paths:
        cfg = Config.fromfile(str(path))
        metric = [m for m in cfg.test_evaluator
                  if m['type'] == 'MAFLMatchingMetric']
        assert metric and metric[0]['report_dve'] is True, path
        assert cfg.model['report_dve'] is True, path
        assert cfg.model['protocol'] is None, path
        warp = cfg.test_dataloader.dataset.pipeline[0]
        assert warp['type'] == 'MatchingPairWarp', path
        assert warp['protocol'] is None, path
        assert warp['source_resample'] is None, path
