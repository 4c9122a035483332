"""CARB neck: split, clustering, approximation, projector, token selection."""
import pytest
import torch
from mmpose.registry import MODELS

from sce_mae_mm.models.necks import CARB, Projector
from sce_mae_mm.models.necks.carb import approximate_tokens, gather_selected
from sce_mae_mm.models.utils import attentive_split, density_peak_cluster


def _backbone_outputs(seed, batch=2, channels=16, size=12):
    gen = torch.Generator().manual_seed(seed)
    num = size * size
    last = torch.randn(batch, channels, size, size, generator=gen)
    tokens = torch.randn(batch, num, channels, generator=gen)
    cls_attn = torch.rand(batch, num, generator=gen).softmax(-1)
    return last, tokens, cls_attn


def _carb(**kwargs):
    cfg = dict(type='CARB', in_channels=16, out_channels=8, tie_break=0.)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_projector_shapes_and_unit_norm():
    proj = Projector(16, 8)
    out = proj(torch.randn(2, 16, 5, 7))
    assert out.shape == (2, 8, 5, 7)
    assert torch.allclose(out.norm(dim=1), torch.ones(2, 5, 7), atol=1e-5)
    assert proj.fc1.out_channels == 16  # hidden = backbone width
    with pytest.raises(ValueError, match='expected a'):
        proj(torch.randn(2, 15, 5, 5))


def test_inference_projects_every_position_of_any_map():
    carb = _carb()
    x = torch.randn(2, 16, 48, 48)  # e.g. a stride-2 cover-and-stride map
    (out, ) = carb((x, ))
    assert out.shape == (2, 8, 48, 48)
    assert torch.allclose(out, carb.projector(x))
    # pointwise: one position does not depend on the others
    x2 = x.clone()
    x2[:, :, 0, 0] += 1.
    assert torch.allclose(carb((x2, ))[0][:, :, 1:, 1:], out[:, :, 1:, 1:])
    carb = _carb(concat_backbone=True)
    (cat, ) = carb((x, ))
    assert cat.shape == (2, 24, 48, 48)
    assert torch.equal(cat[:, :16], x)


@pytest.mark.parametrize('eta, clusters', [(0.1, 4), (0.25, 2)])
def test_forward_train_selects_attentive_and_centres(eta, clusters):
    last, tokens, cls_attn = _backbone_outputs(0)
    carb = _carb(eta=eta, num_clusters=clusters)
    out = carb.forward_train(last, tokens, cls_attn)
    n_att = round(eta * 144)
    num = n_att + clusters
    assert out['proj'].shape == (2, 8, 12, 12)
    assert out['feats'].shape == (2, num, 8)
    assert out['positions'].shape == (2, num, 2)
    assert bool(out['valid'].all())
    assert out['attentive'].sum(-1).tolist() == [n_att] * 2
    # the split follows the CLS attention
    assert torch.equal(out['attentive_mask'], attentive_split(cls_attn, eta))
    # the clustering is the one of the inattentive layer tokens
    centres, assignment = density_peak_cluster(
        tokens, clusters, mask=~out['attentive_mask'], tie_break=0.)
    assert torch.equal(out['centres'], centres)
    assert torch.equal(out['assignment'], assignment)
    # positions are (x, y) grid coordinates of the selected token indices
    index = out['index']
    assert torch.equal(out['positions'][..., 0], (index % 12).float())
    assert torch.equal(out['positions'][..., 1], (index // 12).float())
    # selected = attentive + centres; the flags follow the tokens
    for b in range(2):
        expected = set(torch.nonzero(out['attentive_mask'][b])[:, 0].tolist())
        expected |= set(centres[b].tolist())
        assert set(index[b].tolist()) == expected
        for t, i in enumerate(index[b].tolist()):
            assert bool(out['attentive'][b, t]) == bool(
                out['attentive_mask'][b, i])
    # feats are the projected map at the selected positions
    flat = out['proj'].flatten(2).transpose(1, 2)
    assert torch.allclose(out['feats'],
                          flat.gather(1, index[..., None].expand(-1, -1, 8)))


def test_centre_approximation_replaces_inattentive_tokens():
    last, tokens, cls_attn = _backbone_outputs(1)
    carb = _carb()
    out = carb.forward_train(last, tokens, cls_attn)
    proj = out['proj'].flatten(2).transpose(1, 2)  # (B, N, D)
    raw = carb.projector(last).flatten(2).transpose(1, 2)
    for b in range(2):
        for i in range(144):
            cluster = int(out['assignment'][b, i])
            if cluster < 0:  # attentive: untouched
                assert torch.allclose(proj[b, i], raw[b, i], atol=1e-6)
            else:
                centre = int(out['centres'][b, cluster])
                assert torch.allclose(proj[b, i], raw[b, centre], atol=1e-6)


def test_mean_approximation_uses_cluster_means():
    last, tokens, cls_attn = _backbone_outputs(2)
    carb = _carb(approximation='mean')
    out = carb.forward_train(last, tokens, cls_attn)
    feats = last.flatten(2).transpose(1, 2)
    approx = approximate_tokens(feats, out['centres'], out['assignment'],
                                'mean')
    for b in range(2):
        for cluster in range(4):
            members = out['assignment'][b] == cluster
            mean = feats[b][members].mean(0)
            assert torch.allclose(approx[b][members],
                                  mean.expand(int(members.sum()), -1),
                                  atol=1e-5)
        attentive = out['assignment'][b] < 0
        assert torch.equal(approx[b][attentive], feats[b][attentive])
    expected = carb.projector(approx.transpose(1, 2).reshape(2, 16, 12, 12))
    assert torch.allclose(out['proj'], expected, atol=1e-6)


def test_too_many_clusters_error_or_clamp():
    last, tokens, cls_attn = _backbone_outputs(3, size=4)  # 16 tokens
    # eta 0.8 -> 13 attentive, 3 inattentive < 4 clusters
    with pytest.raises(ValueError, match='larger than the number'):
        _carb(eta=0.8).forward_train(last, tokens, cls_attn)
    out = _carb(eta=0.8, clamp_clusters=True).forward_train(
        last, tokens, cls_attn)
    assert out['centres'].shape == (2, 3)
    assert out['feats'].shape == (2, 16, 8)


def test_gather_selected_pads_varying_counts():
    selected = torch.tensor([[0, 1, 0, 1, 1], [1, 0, 0, 0, 0]]).bool()
    index, valid = gather_selected(selected)
    assert index[0].tolist() == [1, 3, 4]
    assert index[1, 0].item() == 0
    assert valid.tolist() == [[True] * 3, [True, False, False]]


def test_frozen_block_stays_in_eval_without_grads():
    carb = _carb(frozen=True)
    carb.train()
    assert not carb.training and not carb.projector.training
    assert not any(p.requires_grad for p in carb.parameters())
    carb = _carb()
    carb.train()
    assert carb.training
    assert all(p.requires_grad for p in carb.parameters())


def test_bad_inputs_raise():
    last, tokens, cls_attn = _backbone_outputs(4)
    carb = _carb()
    with pytest.raises(ValueError, match='layer_tokens of shape'):
        carb.forward_train(last, tokens[:, :100], cls_attn)
    with pytest.raises(ValueError, match='cls_attn of shape'):
        carb.forward_train(last, tokens, cls_attn[:, :100])
    with pytest.raises(ValueError, match='approximation must be'):
        _carb(approximation='median')
    assert isinstance(_carb(), CARB)


def _selected_loss(carb, last, tokens, cls_attn):
    from sce_mae_mm.models.losses import lcr_loss
    torch.manual_seed(0)
    out = carb.forward_train(last, tokens, cls_attn)
    return lcr_loss(out['feats'], out['positions'], out['attentive'],
                    valid=out['valid'])


@pytest.mark.parametrize('projector', ['Projector', 'SpatialProjector'])
def test_approximation_changes_the_loss_only_with_spatial_context(
        projector):
    last, tokens, cls_attn = _backbone_outputs(5)
    losses = {}
    for mode in ('none', 'centre', 'mean'):
        torch.manual_seed(1)
        carb = _carb(approximation=mode, projector=dict(type=projector))
        losses[mode] = _selected_loss(carb, last, tokens, cls_attn).item()
    if projector == 'Projector':
        # pointwise: the selected tokens keep their features under 'centre'
        assert losses['centre'] == pytest.approx(losses['none'], abs=1e-7)
    else:
        assert abs(losses['centre'] - losses['none']) > 1e-4
        assert abs(losses['mean'] - losses['none']) > 1e-4
        assert abs(losses['mean'] - losses['centre']) > 1e-4


def test_spatial_projector_context_padding_and_dilation():
    from sce_mae_mm.models.necks import SpatialProjector
    torch.manual_seed(0)
    proj = SpatialProjector(16, 8)
    x = torch.randn(1, 16, 12, 12)
    out = proj(x)
    assert out.shape == (1, 8, 12, 12)
    assert torch.allclose(out.norm(dim=1), torch.ones(1, 12, 12), atol=1e-5)
    # a 3x3 neighbourhood: (5, 5) changes (6, 6) but not (8, 8)
    x2 = x.clone()
    x2[:, :, 5, 5] += 1.
    out2 = proj(x2)
    assert not torch.allclose(out2[:, :, 6, 6], out[:, :, 6, 6])
    assert torch.allclose(out2[:, :, 8, 8], out[:, :, 8, 8])
    # replicate padding: a constant map gives a constant output
    const = proj(torch.ones(1, 16, 12, 12))
    assert torch.allclose(const, const[:, :, :1, :1].expand_as(const),
                          atol=1e-6)
    # a 48x48 (stride-2) map: taps 4 cells (one token, 8 px) apart, so its
    # every 4th cell equals the projection of the 12x12 sub-grid
    dense = torch.randn(1, 16, 48, 48)
    assert proj.dilation(48, 48) == 4
    sub = dense[:, :, 1::4, 1::4]
    strided = proj(dense)[:, :, 1::4, 1::4]
    torch.testing.assert_close(strided[..., 1:-1, 1:-1],
                               proj(sub)[..., 1:-1, 1:-1])
    with pytest.raises(ValueError, match='multiple'):
        proj(torch.randn(1, 16, 10, 10))
    with pytest.raises(ValueError, match='kernel_size'):
        SpatialProjector(16, 8, kernel_size=2)
