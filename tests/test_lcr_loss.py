"""LCR loss (Eq. 4-7) against a plain double-loop version."""
import math

import pytest
import torch

from sce_mae_mm.models.losses import LCRLoss, lcr_loss

# the paper's values (section 4): att-att 5, att-inatt 5, inatt-inatt 2
R = dict(r_att_att=5., r_att_inatt=5., r_inatt_inatt=2.)


def reference_lcr(feats, positions, attentive, tau, r_att_att, r_att_inatt,
                  r_inatt_inatt, valid=None, unit=1.):
    """Eq. 4-7 with Python loops (float64)."""
    batch, num = attentive.shape
    if valid is None:
        valid = torch.ones(batch, num, dtype=torch.bool)
    feats = feats.double().tolist()
    positions = positions.double().tolist()
    image_losses = []
    for b in range(batch):
        tokens = [i for i in range(num) if valid[b, i]]
        anchor_losses = []
        for i in tokens:
            logits = {
                j: sum(x * y for x, y in zip(feats[b][i], feats[b][j])) / tau
                for j in tokens
            }
            norm = sum(math.exp(v) for v in logits.values())
            total = 0.
            for j in tokens:
                prob = math.exp(logits[j]) / norm
                dx = positions[b][i][0] - positions[b][j][0]
                dy = positions[b][i][1] - positions[b][j][1]
                f_loc = math.log(unit * math.sqrt(dx * dx + dy * dy) + 1)
                a_i, a_j = bool(attentive[b, i]), bool(attentive[b, j])
                if a_i and a_j:
                    lam = r_att_att
                elif not a_i and not a_j:
                    lam = r_inatt_inatt
                else:
                    lam = r_att_inatt
                total += f_loc * lam * prob
            anchor_losses.append(total)
        image_losses.append(sum(anchor_losses) / len(anchor_losses))
    return sum(image_losses) / batch


def _inputs(seed, batch=3, num=18, dim=8):
    gen = torch.Generator().manual_seed(seed)
    feats = torch.nn.functional.normalize(
        torch.randn(batch, num, dim, generator=gen), dim=-1)
    positions = torch.randint(0, 12, (batch, num, 2), generator=gen).float()
    attentive = torch.rand(batch, num, generator=gen) < 0.6
    return feats, positions, attentive


@pytest.mark.parametrize('tau', [1. / 7, 0.5])
def test_matches_double_loop(tau):
    feats, positions, attentive = _inputs(0)
    loss = lcr_loss(feats, positions, attentive, tau, **R)
    ref = reference_lcr(feats, positions, attentive, tau, **R)
    assert loss.item() == pytest.approx(ref, abs=1e-5)


def test_equal_positions_give_zero_loss():
    feats, _, attentive = _inputs(1)
    positions = torch.full((3, 18, 2), 4.)
    loss = lcr_loss(feats, positions, attentive, 1. / 7, **R)
    assert loss.item() == 0.
    # a single pair at the same place contributes nothing either
    feats, positions, attentive = _inputs(2, batch=1, num=2)
    positions[0, 1] = positions[0, 0]
    assert lcr_loss(feats, positions, attentive, 0.1, **R).item() == 0.


@pytest.mark.parametrize('off', ['r_att_att', 'r_att_inatt',
                                 'r_inatt_inatt'])
def test_zero_repellence_switches_a_type_off(off):
    feats, positions, attentive = _inputs(3)
    weights = dict(R, **{off: 0.})
    loss = lcr_loss(feats, positions, attentive, 1. / 7, **weights)
    ref = reference_lcr(feats, positions, attentive, 1. / 7, **weights)
    assert loss.item() == pytest.approx(ref, abs=1e-5)
    assert loss.item() < lcr_loss(feats, positions, attentive, 1. / 7,
                                  **R).item()
    # with only that type present, the loss vanishes
    if off == 'r_att_att':
        only = torch.ones_like(attentive)
    elif off == 'r_inatt_inatt':
        only = torch.zeros_like(attentive)
    else:
        return
    assert lcr_loss(feats, positions, only, 1. / 7, **weights).item() == 0.


def test_padding_via_valid():
    feats, positions, attentive = _inputs(4, batch=3, num=20)
    counts = [20, 13, 6]
    valid = torch.zeros(3, 20, dtype=torch.bool)
    for b, count in enumerate(counts):
        valid[b, :count] = True
    # garbage in the padding must not matter
    padded = feats.clone()
    padded[~valid] = 100.
    loss = lcr_loss(padded, positions, attentive, 1. / 7, valid=valid, **R)
    ref = reference_lcr(feats, positions, attentive, 1. / 7, valid=valid,
                        **R)
    assert loss.item() == pytest.approx(ref, abs=1e-5)
    # same as averaging the per-image losses of the unpadded images
    per_image = [
        lcr_loss(feats[b:b + 1, :c], positions[b:b + 1, :c],
                 attentive[b:b + 1, :c], 1. / 7, **R)
        for b, c in enumerate(counts)
    ]
    assert loss.item() == pytest.approx(
        torch.stack(per_image).mean().item(), abs=1e-6)


def test_gradients_match_finite_differences():
    feats, positions, attentive = _inputs(5, batch=2, num=6, dim=4)
    feats = feats.double().requires_grad_()
    valid = torch.ones(2, 6, dtype=torch.bool)
    valid[1, 4:] = False
    assert torch.autograd.gradcheck(
        lambda f: lcr_loss(f, positions.double(), attentive, 0.3,
                           valid=valid, **R), (feats, ))


def test_loss_falls_when_far_tokens_separate():
    # tokens far apart become dissimilar -> lower loss
    positions = torch.tensor([[[0., 0.], [0., 1.], [11., 11.]]])
    attentive = torch.ones(1, 3, dtype=torch.bool)
    same = torch.tensor([[[1., 0.], [1., 0.], [1., 0.]]])
    apart = torch.tensor([[[1., 0.], [1., 0.], [-1., 0.]]])
    assert lcr_loss(apart, positions, attentive) < lcr_loss(
        same, positions, attentive)


def test_module_defaults_and_weight():
    feats, positions, attentive = _inputs(6)
    module = LCRLoss(loss_weight=2.)
    assert (module.tau, module.r_att_att, module.r_att_inatt,
            module.r_inatt_inatt) == (1. / 7, 5., 5., 2.)
    assert module.distance_unit == 'cell'
    expected = 2. * reference_lcr(feats, positions, attentive, 1. / 7, **R)
    assert module(feats, positions, attentive).item() == pytest.approx(
        expected, abs=1e-5)


@pytest.mark.parametrize('kwargs, match', [
    (dict(positions=torch.zeros(3, 18, 3)), 'positions of shape'),
    (dict(attentive=torch.ones(3, 18)), 'bool attentive mask'),
    (dict(valid=torch.zeros(3, 18, dtype=torch.bool)), 'at least one'),
    (dict(tau=0.), 'tau must be positive'),
])
def test_bad_inputs_raise(kwargs, match):
    feats, positions, attentive = _inputs(7)
    args = dict(feats=feats, positions=positions, attentive=attentive)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        lcr_loss(**args)


def test_pixel_distance_unit():
    feats, positions, attentive = _inputs(8)
    module = LCRLoss(distance_unit='pixel', patch_size=8)
    expected = reference_lcr(feats, positions, attentive, 1. / 7, **R,
                             unit=8.)
    got = module(feats, positions, attentive).item()
    assert got == pytest.approx(expected, abs=1e-5)
    cells = LCRLoss()(feats, positions, attentive).item()
    assert abs(got - cells) > 1e-3
    # the weight ratio of a d = 1 to a d = 10 token: 0.29 cells, 0.50 px
    assert math.log(2) / math.log(11) == pytest.approx(0.289, abs=1e-3)
    assert math.log(9) / math.log(81) == pytest.approx(0.5, abs=1e-9)
    with pytest.raises(ValueError, match='distance_unit'):
        LCRLoss(distance_unit='inch')


@pytest.mark.parametrize('arch', ['t', 's', 'b'])
def test_stage2_configs_use_the_paper_repellence(arch):
    from pathlib import Path

    from mmengine.config import Config
    root = Path(__file__).resolve().parents[1]
    cfg = Config.fromfile(
        str(root / 'configs' / f'sce_mae_deit_{arch}_stage2.py'))
    loss = cfg.model.loss
    assert (loss.r_att_att, loss.r_att_inatt, loss.r_inatt_inatt) == (
        5., 5., 2.)
    assert loss.get('distance_unit', 'cell') == 'cell'
