"""Landmark matching: match_landmarks, LandmarkMatcher and the metric."""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.structures import BaseDataElement

from sce_mae_mm.evaluation import match_landmarks
from sce_mae_mm.evaluation.functional import sample_descriptors
from sce_mae_mm.evaluation.metrics import MAFLMatchingMetric
from sce_mae_mm.models.pose_estimators import LandmarkMatcher


def positional_map(height: int, width: int, channels: int = 4) -> torch.Tensor:
    """(1, 2 * channels, h, w) unique sinusoidal codes of (x, y)."""
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=torch.float64),
        torch.arange(width, dtype=torch.float64),
        indexing='ij')
    # frequencies below pi / size: codes of different positions differ
    freqs = [math.pi / (2 ** k * 4 * max(height, width))
             for k in range(channels // 2)]
    codes = []
    for f in freqs:
        codes += [torch.cos(f * xs), torch.sin(f * xs),
                  torch.cos(f * ys), torch.sin(f * ys)]
    return torch.stack(codes)[None].float()


def random_keypoints(batch, num, low, high, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(low, high, (batch, num, 2), generator=gen).float()


@pytest.mark.parametrize('encoding', ['random', 'positional'])
def test_identity_full_resolution(encoding):
    size = (20, 24)
    if encoding == 'random':
        feats = torch.randn(3, 16, *size, generator=torch.Generator()
                            .manual_seed(1))
    else:
        feats = positional_map(*size).expand(3, -1, -1, -1).contiguous()
    kpts = random_keypoints(3, 7, 0, 20)
    pred = match_landmarks(feats, feats, kpts, size)
    assert pred.shape == (3, 7, 2)
    assert torch.equal(pred, kpts)


def test_identity_through_upsampling():
    # 6x6 map of random codes for a 24x24 image; the source descriptor of a
    # pixel is the target's descriptor of the same pixel (same map). The 2
    # outer pixels of each side repeat the border cell (align_corners=False
    # clamps), so they are not unique: stay inside.
    feats = torch.randn(2, 32, 6, 6, generator=torch.Generator()
                        .manual_seed(2))
    kpts = random_keypoints(2, 10, 2, 22, seed=3)
    pred = match_landmarks(feats, feats, kpts, (24, 24), chunk_size=1)
    assert torch.equal(pred, kpts)


@pytest.mark.parametrize('shift', [(3, -2), (-5, 4)])
def test_known_shift(shift):
    dx, dy = shift
    size = (32, 32)
    src = torch.randn(2, 16, *size, generator=torch.Generator()
                      .manual_seed(4))
    # target content moved by (dx, dy): target pixel (x + dx, y + dy) holds
    # the source pixel (x, y)
    tgt = torch.roll(src, shifts=(dy, dx), dims=(2, 3))
    kpts = random_keypoints(2, 9, 6, 26, seed=5)
    pred = match_landmarks(src, tgt, kpts, size)
    expected = kpts + torch.tensor([dx, dy], dtype=torch.float32)
    assert torch.equal(pred, expected)


def test_known_shift_through_upsampling():
    # an integer shift of the low-resolution map (2 cells at scale 4) is a
    # shift of 8 pixels of the upsampled map away from the borders
    src = torch.randn(1, 32, 12, 12, generator=torch.Generator()
                      .manual_seed(6))
    tgt = torch.roll(src, shifts=(2, -2), dims=(2, 3))
    kpts = random_keypoints(1, 12, 16, 32, seed=7)
    pred = match_landmarks(src, tgt, kpts, (48, 48))
    assert torch.equal(pred, kpts + torch.tensor([-8., 8.]))


def test_sample_descriptors_subpixel():
    dense = torch.arange(2 * 5 * 6, dtype=torch.float32).reshape(1, 2, 5, 6)
    kpts = torch.tensor([[[2., 3.], [2.5, 1.25], [0., 0.]]])
    desc = sample_descriptors(dense, kpts)
    assert desc.shape == (1, 3, 2)
    # the map is linear: value = c * 30 + y * 6 + x
    expected = torch.tensor([[[3 * 6 + 2, 30 + 3 * 6 + 2],
                              [1.25 * 6 + 2.5, 30 + 1.25 * 6 + 2.5],
                              [0., 30.]]])
    assert torch.allclose(desc, expected, atol=1e-5)


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match='match_landmarks'):
        match_landmarks(torch.zeros(2, 4, 3, 3), torch.zeros(2, 5, 3, 3),
                        torch.zeros(2, 1, 2), (6, 6))
    with pytest.raises(ValueError, match=r'\(B, K, 2\)'):
        match_landmarks(torch.zeros(2, 4, 3, 3), torch.zeros(2, 4, 3, 3),
                        torch.zeros(3, 1, 2), (6, 6))


class LocalCodes(nn.Module):
    """Fake backbone: a fixed random 5x5 conv, i.e. local pixel codes."""

    def __init__(self, channels: int = 16):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 5, padding=2)
        self.stride = 1

    def forward(self, x):
        return (self.conv(x), )


class HalfNeck(nn.Module):
    """Fake neck: the first half of the channels."""

    def forward(self, feats):
        x = feats[-1]
        return (x[:, :x.shape[1] // 2], )


def make_triplets(batch=2, size=32, shift=(3, 2), seed=0):
    gen = torch.Generator().manual_seed(seed)
    src = torch.randint(0, 256, (batch, 3, size, size), generator=gen,
                        dtype=torch.uint8)
    other = torch.randint(0, 256, (batch, 3, size, size), generator=gen,
                          dtype=torch.uint8)
    same = torch.roll(src, shifts=(shift[1], shift[0]), dims=(2, 3))
    return torch.stack([src, same, other], dim=1)


@pytest.mark.parametrize('descriptor', ['backbone', 'projector', 'concat'])
def test_landmark_matcher_predict(descriptor):
    torch.manual_seed(0)
    neck = None if descriptor == 'backbone' else dict(type=HalfNeck)
    matcher = LandmarkMatcher(
        backbone=dict(type=LocalCodes), neck=neck, descriptor=descriptor,
        stride=1)
    assert not any(p.requires_grad for p in matcher.parameters())
    matcher.train()
    assert not matcher.training
    triplets = make_triplets()
    kpts = np.array([[8., 9.], [20., 12.], [15., 22.], [10., 20.],
                     [22., 22.]], dtype=np.float32)
    samples = [
        BaseDataElement(metainfo=dict(
            src_keypoints=kpts, same_keypoints=kpts + [3, 2],
            diff_keypoints=kpts, input_size=(32, 32))) for _ in range(2)
    ]
    data = matcher.data_preprocessor(
        dict(inputs=list(triplets), data_samples=samples))
    assert data['inputs'].shape == (2, 3, 3, 32, 32)
    out = matcher(**data, mode='predict')
    for sample in out:
        np.testing.assert_array_equal(sample.pred_same_keypoints,
                                      kpts + [3, 2])
        assert sample.pred_diff_keypoints.shape == (5, 2)

    metric = MAFLMatchingMetric(image_size=32, frame_size=32)
    metric.dataset_meta = dict(
        keypoint_id2name={k: f'p{k}' for k in range(5)})
    metric.process({}, [s.to_dict() for s in out])
    result = metric.evaluate(2)
    assert result['matching/same'] == 0.0
    assert result['matching/same_p3'] == 0.0
    assert result['matching/diff'] >= 0.0


def test_matching_metric_hand_computed():
    metric = MAFLMatchingMetric()  # image 96 -> DVE 70-px frame
    gt = np.zeros((2, 2), dtype=np.float32)
    src = np.array([[3., 0.], [0., 4.]], dtype=np.float32)
    samples = [
        dict(src_keypoints=src, same_keypoints=gt, diff_keypoints=gt + 1,
             pred_same_keypoints=np.array([[3., 4.], [0., 0.]]),
             pred_diff_keypoints=np.array([[1., 7.], [9., 1.]])),
        dict(src_keypoints=src + 1, same_keypoints=gt, diff_keypoints=gt,
             pred_same_keypoints=np.array([[0., 1.], [0., 2.]]),
             pred_diff_keypoints=np.array([[0., 0.], [2., 0.]])),
    ]
    metric.process({}, samples)
    result = metric.evaluate(2)
    scale = 70 / 96
    assert result['matching/same'] == pytest.approx(
        (5 + 0 + 1 + 2) / 4 * scale)
    assert result['matching/diff'] == pytest.approx(
        (6 + 8 + 0 + 2) / 4 * scale)
    assert result['matching/same_kpt0'] == pytest.approx(3 * scale)
    assert result['matching/diff_kpt1'] == pytest.approx(5 * scale)
    # same-location baseline: the target predicted at the source point
    # same: |(3,0)|=3, |(0,4)|=4, |(4,1)|=sqrt(17), |(1,5)|=sqrt(26)
    # diff: |(2,-1)|=sqrt(5), |(-1,3)|=sqrt(10), sqrt(17), sqrt(26)
    r5, r10, r17, r26 = (np.sqrt(v) for v in (5, 10, 17, 26))
    assert result['matching/same_baseline'] == pytest.approx(
        (3 + 4 + r17 + r26) / 4 * scale)
    assert result['matching/diff_baseline'] == pytest.approx(
        (r5 + r10 + r17 + r26) / 4 * scale)
    assert result['matching/same_baseline_kpt0'] == pytest.approx(
        (3 + r17) / 2 * scale)
    assert result['matching/diff_baseline_kpt1'] == pytest.approx(
        (r10 + r26) / 2 * scale)
    # without src_keypoints the baseline cannot be scored
    metric = MAFLMatchingMetric()
    with pytest.raises(KeyError, match='src_keypoints'):
        metric.process({}, [{k: v for k, v in samples[0].items()
                             if k != 'src_keypoints'}])
    metric = MAFLMatchingMetric(baseline=False)
    metric.process({}, [{k: v for k, v in samples[0].items()
                         if k != 'src_keypoints'}])
    assert 'matching/same_baseline' not in metric.evaluate(1)


def _oracle_errors(tmp_path, **warp):
    """Match with each pixel's pre-warp image coordinates as descriptor
    (nearest coordinates) over 40 pairs; the metric's result."""
    import cv2

    from sce_mae_mm.datasets.transforms import MatchingPairWarp
    from sce_mae_mm.datasets.transforms.tps_warp import tps_sampling_map
    from sce_mae_mm.evaluation.functional.matching import sample_descriptors
    rng = np.random.default_rng(0)
    paths = []
    for k in range(2):
        paths.append(str(tmp_path / f'{k}.png'))
        cv2.imwrite(paths[-1], rng.integers(0, 255, (218, 178, 3),
                                            dtype=np.uint8))
    t = MatchingPairWarp(seed=0, **warp)
    frame = t.frame()
    lo = frame['offset'] + frame['context']
    metric = MAFLMatchingMetric(groups=('same', ))
    for pair_id in range(40):
        kpts = rng.uniform((60, 80), (118, 150), (2, 5, 2))  # MAFL-like
        out = t(dict(pair_id=pair_id, img_paths=paths, keypoints=kpts,
                     bbox=np.array([[0., 30., 178., 208.]] * 2)))
        prm = t.pair_params(pair_id)
        maps = {}
        for name, chain in (('src', [prm['g1_a'], prm['g2']]),
                            ('same', [prm['g1_a']])):
            mx, my = tps_sampling_map(chain, frame['crop'], frame['context'])
            coords = np.stack([mx, my])[:, lo:lo + 96, lo:lo + 96]
            maps[name] = torch.from_numpy(coords.astype(np.float64))
        src = torch.from_numpy(out['src_keypoints'].astype(np.float64))
        desc = sample_descriptors(maps['src'][None], src[None])[0]  # (5, 2)
        dist = ((maps['same'].flatten(1).T[None] - desc[:, None]) ** 2).sum(
            -1)
        idx = dist.argmin(1)
        pred = torch.stack([idx % 96, idx // 96], -1).numpy()
        metric.process({}, [dict(src_keypoints=out['src_keypoints'],
                                 same_keypoints=out['same_keypoints'],
                                 pred_same_keypoints=pred)])
    return metric.evaluate(40)


def test_oracle_matcher_near_zero_under_dves_keypoint_rule(tmp_path):
    result = _oracle_errors(tmp_path)
    # integer ground truth: the oracle finds it except where DVE's
    # one-warp-at-a-time rule moves the source point to a grid pixel whose
    # preimage rounds to a neighbour of the target pixel (8 of 200 points
    # here, 1 px each: 0.03 px)
    assert result['matching/same'] < 0.05
    assert result['matching/same_baseline'] > 0.5  # the warps move points


def test_oracle_matcher_floor_under_exact_transfer(tmp_path):
    result = _oracle_errors(tmp_path, keypoint_rule='exact')
    # integer predictions of sub-pixel ground truth: E|u| for u uniform on
    # the unit square is 0.383 px, 0.28 px in the 70-px frame
    assert 0.24 < result['matching/same'] < 0.32


def test_matching_metric_missing_prediction_raises():
    metric = MAFLMatchingMetric()
    with pytest.raises(KeyError, match='pred_same_keypoints'):
        metric.process({}, [dict(same_keypoints=np.zeros((5, 2)))])


def test_cosine_not_dot_product():
    # a target pixel with a larger but less aligned descriptor must lose
    src = F.normalize(torch.randn(1, 8, 4, 4), dim=1)
    tgt = src.clone()
    tgt[0, :, 0, 0] = 10 * (src[0, :, 2, 1] + 0.5 * src[0, :, 3, 3])
    kpts = torch.tensor([[[1., 2.]]])
    assert torch.equal(match_landmarks(src, tgt, kpts, (4, 4)), kpts)


def test_matching_config_through_runner(synthetic_root, tmp_path):
    """tools/test.py's path: the matching config + a stage-2 checkpoint."""
    from pathlib import Path

    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    from mmpose.registry import MODELS

    tiny = dict(
        embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
    init_default_scope('mmpose')
    torch.manual_seed(0)
    stage2 = MODELS.build(
        dict(
            type='SCEMAEStage2',
            backbone=dict(type='SCEViT', arch=tiny, layer_index=0),
            neck=dict(
                type='CARB',
                in_channels=32,
                out_channels=16,
                projector=dict(type='SpatialProjector'))))
    ckpt = tmp_path / 'stage2.pth'
    torch.save(dict(meta=dict(), state_dict=stage2.state_dict()), ckpt)

    root = Path(__file__).resolve().parents[1]
    cfg = Config.fromfile(
        str(root / 'configs' / 'synthetic' /
            'sce_mae_deit_t_mafl_matching_synthetic.py'))
    assert cfg.model.descriptor == 'projector' and cfg.model.stride == 2
    cfg.model.backbone.update(arch=tiny, layer_index=0)
    cfg.model.neck.update(in_channels=32, out_channels=16)
    cfg.model.stride = 4
    cfg.test_dataloader.update(batch_size=2, num_workers=0)
    cfg.test_dataloader.dataset.data_root = str(synthetic_root / 'celeba')
    cfg.load_from = str(ckpt)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    loaded = runner.model.state_dict()
    for key, value in stage2.state_dict().items():
        if key.startswith(('backbone.', 'neck.')):
            assert torch.equal(loaded[key], value), key
    assert runner.model.backbone.stride == 4
    assert {'matching/same', 'matching/diff'} <= set(metrics)
    assert 0 <= metrics['matching/same'] < 70
    assert 0 <= metrics['matching/diff'] < 70
    assert 'matching/same_left_eye' in metrics

    # tools/test.py --show-dir: one drawing per `interval` pairs, and the
    # same metrics through --out
    import json
    import subprocess
    import sys
    cfg_file = tmp_path / 'matching.py'
    cfg.dump(str(cfg_file))
    proc = subprocess.run(
        [sys.executable, str(root / 'tools' / 'test.py'), str(cfg_file),
         str(ckpt), '--work-dir', str(tmp_path / 'work_tool'), '--out',
         str(tmp_path / 'metrics.json'), '--show-dir', 'vis',
         '--interval', '2'],
        cwd=root, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    again = json.loads((tmp_path / 'metrics.json').read_text())
    assert again['matching/same'] == pytest.approx(metrics['matching/same'])
    drawn = sorted((tmp_path / 'work_tool').rglob('vis/pair_*.png'))
    num_pairs = len(runner.test_dataloader.dataset)
    assert len(drawn) == (num_pairs + 1) // 2


def test_draw_matching_pair_marks_the_landmarks():
    from sce_mae_mm.visualization import draw_matching_pair, pair_crops
    packed = torch.zeros(3, 3, 20, 20, dtype=torch.uint8)
    images = pair_crops(packed, context=2)
    assert images.shape == (3, 16, 16, 3)
    src = np.array([[3., 4.], [10., 12.]])
    pred = src + 2
    out = draw_matching_pair(images, src, src, src, pred, pred, scale=4)
    assert out.shape == (64, 3 * 64, 3) and out.dtype == np.uint8
    for k, (x, y) in enumerate(src):
        colour = out[int((y + .5) * 4), int((x + .5) * 4)]  # source: a dot
        assert colour.tolist() == [[255, 0, 0], [0, 255, 0]][k]
        # targets: the prediction is a filled dot of the same colour
        px, py = pred[k]
        for panel in (1, 2):
            got = out[int((py + .5) * 4), 64 * panel + int((px + .5) * 4)]
            assert got.tolist() == colour.tolist()
    with pytest.raises(ValueError, match=r'\(3, H, W, 3\)'):
        draw_matching_pair(images[:2], src, src, src, pred, pred)
