"""IntermediateHeatmapHead: soft-argmax, shapes, loss, decoding."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from sce_mae_mm.models.heads import heatmap_grid, soft_argmax


@pytest.mark.parametrize('peak', [(0, 0), (5, 3), (11, 7)])
def test_soft_argmax_one_hot_peak(peak):
    x, y = peak
    heatmap = torch.zeros(2, 3, 8, 12)
    heatmap[:, :, y, x] = 1.0
    # a one-hot heatmap as logits of a sharp softmax (beta = 1e4)
    coords = soft_argmax(heatmap, beta=1e4)
    assert coords.shape == (2, 3, 2)
    # normalised by the map size, pixel i centred at i: (x / w, y / h)
    expected = torch.tensor([x / 12, y / 8])
    assert torch.allclose(coords, expected.expand(2, 3, 2), atol=1e-6)


def test_soft_argmax_cover_and_stride_cells():
    # a 48x48 map over a 96-px input: cell j is the patch centred on pixel
    # 2 j + 0.5 (stride 2); an 12x12 map: pixel 8 j + 3.5 (stride 8)
    heatmap = torch.full((1, 1, 48, 48), -1e4)
    heatmap[0, 0, 10, 20] = 0.0
    coords = soft_argmax(heatmap, input_size=(96, 96)) * 96
    assert torch.allclose(coords, torch.tensor([[[40.5, 20.5]]]))
    grid = heatmap_grid(12, 12, (96, 96)) * 96
    assert torch.allclose(grid[0], torch.tensor([3.5, 3.5]))
    assert torch.allclose(grid[12 * 2 + 5], torch.tensor([8 * 5 + 3.5,
                                                         8 * 2 + 3.5]))


def test_soft_argmax_uniform_is_centre():
    coords = soft_argmax(torch.zeros(1, 2, 6, 6), input_size=(6, 6))
    assert torch.allclose(coords, torch.full((1, 2, 2), 2.5 / 6))


def build_head(**kwargs):
    cfg = dict(
        type='IntermediateHeatmapHead',
        in_channels=12,
        num_keypoints=5,
        num_intermediate=7,
        decoder=dict(type='RegressionLabel', input_size=(96, 96)))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def make_samples(batch, num_kpts=5, seed=0):
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(batch):
        sample = PoseDataSample(metainfo=dict(
            input_size=(96, 96), flip_indices=[1, 0, 2, 4, 3]))
        labels = InstanceData()
        labels.keypoint_labels = torch.from_numpy(
            rng.uniform(0.2, 0.8, (1, num_kpts, 2)).astype(np.float32))
        labels.keypoint_weights = torch.ones(1, num_kpts)
        sample.gt_instance_labels = labels
        samples.append(sample)
    return samples


def test_head_forward_loss_predict_shapes():
    head = build_head(hidden_channels=(16, ))
    feats = (torch.randn(3, 12, 12, 12), )
    out = head(feats)
    assert out.shape == (3, 5, 2)
    points = head.intermediate_points(feats)
    assert points.shape == (3, 5, 7, 2)
    # initial linear map: the mean of the intermediate points
    assert torch.allclose(out, points.mean(dim=2), atol=1e-6)

    samples = make_samples(3)
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_kpt', 'acc_pose'}
    assert losses['loss_kpt'].ndim == 0 and losses['loss_kpt'] > 0
    losses['loss_kpt'].backward()
    assert head.linear_weight.grad is not None
    assert head.conv[0].weight.grad is not None

    head.eval()
    out = head(feats)
    preds = head.predict(feats, samples)
    assert len(preds) == 3
    assert preds[0].keypoints.shape == (1, 5, 2)
    assert preds[0].keypoint_scores.shape == (1, 5)
    # decoded by RegressionLabel: normalised coordinates times 96
    np.testing.assert_allclose(preds[1].keypoints[0],
                               out[1].detach().numpy() * 96, rtol=1e-5)

    flip = head.predict([feats, tuple(f.flip(-1) for f in feats)], samples,
                        test_cfg=dict(flip_test=True))
    assert flip[0].keypoints.shape == (1, 5, 2)


def test_head_loss_scale():
    # smooth-L1 on 10 x normalised coordinates, mean over coordinates
    head = build_head(coord_scale=10.0)
    feats = (torch.randn(2, 12, 6, 6), )
    samples = make_samples(2)
    pred = head(feats).detach()
    labels = torch.cat([s.gt_instance_labels.keypoint_labels
                        for s in samples])
    expected = torch.nn.functional.smooth_l1_loss(pred * 10, labels * 10)
    loss = head.loss(feats, samples)['loss_kpt']
    assert torch.allclose(loss, expected, atol=1e-6)


def test_head_learns_a_fixed_point():
    # a few Adam steps on one example move the prediction to the target
    torch.manual_seed(0)
    head = build_head(num_intermediate=4)
    feats = (torch.randn(1, 12, 8, 8), )
    samples = make_samples(1, seed=3)
    target = samples[0].gt_instance_labels.keypoint_labels
    optim = torch.optim.Adam(head.parameters(), lr=5e-2)
    first = head.loss(feats, samples)['loss_kpt'].item()
    for _ in range(60):
        optim.zero_grad()
        loss = head.loss(feats, samples)['loss_kpt']
        loss.backward()
        optim.step()
    assert loss.item() < 0.05 * first
    assert torch.allclose(head(feats), target, atol=0.02)


def test_head_bad_input_raises():
    head = build_head()
    with pytest.raises(ValueError, match='IntermediateHeatmapHead'):
        head((torch.randn(1, 11, 6, 6), ))
    with pytest.raises(KeyError, match='GenerateTarget'):
        head.loss((torch.randn(1, 12, 6, 6), ), [PoseDataSample()])
