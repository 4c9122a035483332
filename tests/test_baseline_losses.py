"""CL and LEAD second-stage losses and the DenseStage2 model (SPEC section 7).

The batched losses are checked against plain loop implementations written
straight from the definitions.
"""
import math

import pytest
import torch

from sce_mae_mm.datasets.transforms import random_tps_grid, tps_warp_batch
from sce_mae_mm.models.losses import (CLLoss, LEADLoss, cl_loss, cl_token_loss,
                                      lead_loss)


# ------------------------------------------------------------ references
def cl_reference(feats, image_size, scale=7., power=0.5):
    """Loop form of CL's within-image loss on (B, D, h, w) maps."""
    batch, _, height, width = feats.shape
    img_h, img_w = image_size
    cells = [(r, c) for r in range(height) for c in range(width)]
    total = 0.
    for b in range(batch):
        image_sum = 0.
        for (ri, ci) in cells:
            fi = feats[b, :, ri, ci]
            logits = []
            for (rj, cj) in cells:
                fj = feats[b, :, rj, cj]
                cos = float(fi @ fj) / (float(fi.norm()) * float(fj.norm()))
                logits.append(scale * cos)
            top = max(logits)
            exps = [math.exp(v - top) for v in logits]
            norm = sum(exps)
            anchor = sum(
                math.hypot((cj - ci) * img_w / width,
                           (rj - ri) * img_h / height)**power * e / norm
                for (rj, cj), e in zip(cells, exps))
            image_sum += anchor
        total += image_sum / len(cells)
    return total / batch


def cl_token_reference(feats, positions, valid, scale=7., power=0.5):
    """Loop form of the token-set CL loss with a validity mask."""
    batch, num, _ = feats.shape
    total = 0.
    for b in range(batch):
        idx = [t for t in range(num) if valid[b, t]]
        image_sum = 0.
        for i in idx:
            logits = [
                scale * float(
                    torch.nn.functional.cosine_similarity(
                        feats[b, i], feats[b, j], dim=0)) for j in idx
            ]
            top = max(logits)
            exps = [math.exp(v - top) for v in logits]
            norm = sum(exps)
            image_sum += sum(
                float((positions[b, i] - positions[b, j]).norm())**power *
                e / norm for j, e in zip(idx, exps))
        total += image_sum / len(idx)
    return total / batch


def lead_reference(s_src, s_tgt, t_src, t_tgt, tau_s, tau_t):
    """Loop form of KL(teacher || student) over query locations."""

    def tokens(x):
        return x.flatten(2).transpose(1, 2)

    s_src, s_tgt, t_src, t_tgt = map(tokens, (s_src, s_tgt, t_src, t_tgt))
    batch, num = s_src.shape[:2]
    total = 0.
    for b in range(batch):
        for i in range(num):

            def dist(src, tgt, tau):
                logits = [
                    float(
                        torch.nn.functional.cosine_similarity(
                            src[b, i], tgt[b, j], dim=0)) / tau
                    for j in range(tgt.shape[1])
                ]
                top = max(logits)
                exps = [math.exp(v - top) for v in logits]
                return [e / sum(exps) for e in exps]

            p_t = dist(t_src, t_tgt, tau_t)
            p_s = dist(s_src, s_tgt, tau_s)
            total += sum(pt * (math.log(pt) - math.log(ps))
                         for pt, ps in zip(p_t, p_s))
    return total / (batch * num)


# ------------------------------------------------------------------- CL
def test_cl_loss_matches_loop():
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(2, 6, 3, 4, generator=gen, dtype=torch.float64)
    got = cl_loss(feats, image_size=(12, 20))
    want = cl_reference(feats, (12, 20))
    assert float(got) == pytest.approx(want, rel=1e-5, abs=1e-5)
    # other scale / power
    got = cl_loss(feats, image_size=96, scale=3., power=1.)
    want = cl_reference(feats, (96, 96), scale=3., power=1.)
    assert float(got) == pytest.approx(want, rel=1e-5, abs=1e-5)


def test_cl_token_loss_matches_loop_with_padding():
    gen = torch.Generator().manual_seed(1)
    feats = torch.randn(3, 7, 5, generator=gen, dtype=torch.float64)
    positions = torch.randint(0, 12, (3, 7, 2), generator=gen).double() * 8
    valid = torch.rand(3, 7, generator=gen) > 0.3
    valid[:, 0] = True
    got = cl_token_loss(feats, positions, valid)
    want = cl_token_reference(feats, positions, valid)
    assert float(got) == pytest.approx(want, rel=1e-5, abs=1e-5)
    # padded tokens change nothing: garbage there is ignored
    feats2 = feats.clone()
    feats2[~valid] = 1e3
    assert float(cl_token_loss(feats2, positions, valid)) == pytest.approx(
        float(got), rel=1e-10)


def test_cl_module_two_call_forms_agree():
    """Token form on the full grid (grid units x stride) == dense form."""
    gen = torch.Generator().manual_seed(2)
    feats = torch.randn(2, 8, 4, 4, generator=gen)
    module = CLLoss(image_size=32, token_stride=8., loss_weight=2.)
    dense = module(feats)
    tokens = feats.flatten(2).transpose(1, 2)
    rr, cc = torch.meshgrid(torch.arange(4.), torch.arange(4.), indexing='ij')
    grid = torch.stack([cc.reshape(-1), rr.reshape(-1)], -1).expand(2, -1, -1)
    attentive = torch.ones(2, 16, dtype=torch.bool)
    token = module(tokens, grid, attentive, None)
    assert torch.allclose(dense, token, atol=1e-6)
    assert float(dense) == pytest.approx(
        2 * float(cl_loss(feats, 32)), rel=1e-6)


def test_cl_loss_rewards_distinct_features():
    """Constant maps spread the mass uniformly; one-hot maps keep it."""
    const = torch.ones(1, 4, 3, 3)
    uniform = cl_loss(const, image_size=3)
    pos = torch.stack(torch.meshgrid(torch.arange(3.), torch.arange(3.),
                                     indexing='ij'), -1).reshape(-1, 2)
    mean_sqrt = torch.cdist(pos, pos).sqrt().mean()
    assert float(uniform) == pytest.approx(float(mean_sqrt), rel=1e-6)
    onehot = torch.eye(9).reshape(1, 9, 3, 3)
    distinct = cl_loss(onehot, image_size=3, scale=50.)
    assert float(distinct) < 1e-6 < float(uniform)


def test_cl_loss_bad_input():
    with pytest.raises(ValueError, match='cl_loss.py'):
        cl_loss(torch.randn(2, 3, 4))
    with pytest.raises(ValueError, match='positions'):
        CLLoss()(torch.randn(2, 3, 4))
    with pytest.raises(ValueError, match='at least one valid'):
        cl_token_loss(
            torch.randn(1, 3, 2), torch.zeros(1, 3, 2),
            torch.zeros(1, 3, dtype=torch.bool))


# ----------------------------------------------------------------- LEAD
def test_lead_loss_matches_loop():
    gen = torch.Generator().manual_seed(3)
    s_src = torch.randn(2, 4, 3, 3, generator=gen, dtype=torch.float64)
    s_tgt = torch.randn(2, 4, 2, 3, generator=gen, dtype=torch.float64)
    t_src = torch.randn(2, 6, 3, 3, generator=gen, dtype=torch.float64)
    t_tgt = torch.randn(2, 6, 2, 3, generator=gen, dtype=torch.float64)
    got = lead_loss(s_src, s_tgt, t_src, t_tgt, 0.3, 0.1)
    want = lead_reference(s_src, s_tgt, t_src, t_tgt, 0.3, 0.1)
    assert float(got) == pytest.approx(want, rel=1e-5, abs=1e-5)
    module = LEADLoss(tau_student=0.3, tau_teacher=0.1, loss_weight=0.5)
    assert float(module(s_src, s_tgt, t_src, t_tgt)) == pytest.approx(
        want / 2, rel=1e-5, abs=1e-5)


def test_lead_loss_zero_when_student_equals_teacher_and_grad_only_student():
    gen = torch.Generator().manual_seed(4)
    src = torch.randn(2, 5, 3, 3, generator=gen)
    tgt = torch.randn(2, 5, 3, 3, generator=gen)
    same = lead_loss(src, tgt, 3 * src, tgt, 0.1, 0.1)
    assert float(same) == pytest.approx(0., abs=1e-6)
    student = src.clone().requires_grad_(True)
    teacher = src.clone().requires_grad_(True)
    loss = lead_loss(student, tgt, teacher, tgt.roll(1, 0), 0.1, 0.05)
    assert float(loss) > 0
    loss.backward()
    assert student.grad is not None and float(student.grad.abs().sum()) > 0
    assert teacher.grad is None


def test_lead_loss_bad_input():
    with pytest.raises(ValueError, match='same batch and locations'):
        lead_loss(
            torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3),
            torch.randn(2, 6, 2, 3), torch.randn(2, 6, 3, 3))
    with pytest.raises(ValueError, match='temperatures'):
        LEADLoss(tau_student=0.)


# ------------------------------------------------------- TPS + model
def test_tps_identity_and_warp():
    torch.manual_seed(0)
    grid = random_tps_grid(2, 5, 0., 0., 0., 0., 0.)
    lin = torch.linspace(-1, 1, 5)
    assert torch.allclose(grid[0, 2, :, 0], lin, atol=1e-6)
    assert torch.allclose(grid[1, :, 3, 1], lin, atol=1e-6)
    images = torch.randn(2, 3, 8, 8)
    same = tps_warp_batch(images, warpsd_all=0., warpsd_subset=0.,
                          transsd=0., scalesd=0., rotsd=0.)
    assert torch.allclose(same, images, atol=1e-5)
    warped = tps_warp_batch(images)
    assert warped.shape == images.shape
    assert not torch.allclose(warped, images, atol=1e-3)


def _stage2_cfg(loss, **extra):
    return dict(
        type='DenseStage2',
        backbone=dict(type='SCEViT', arch='deit-t', layer_index=2),
        neck=dict(type='CARB', in_channels=192, out_channels=16),
        loss=loss,
        **extra)


@pytest.mark.parametrize('loss,extra,key', [
    (dict(type='CLLoss'), {}, 'loss_cl'),
    (dict(type='LEADLoss'), {}, 'loss_lead'),
    (dict(type='LEADLoss'), dict(second_view='tps'), 'loss_lead'),
])
def test_dense_stage2_trains_only_the_projector(loss, extra, key):
    from mmpose.registry import MODELS

    import sce_mae_mm  # noqa: F401
    torch.manual_seed(0)
    model = MODELS.build(_stage2_cfg(loss, **extra))
    model.train()
    assert not model.backbone.training
    images = torch.randn(2, 3, 96, 96)
    losses = model(images, None, mode='loss')
    assert set(losses) == {key}
    assert torch.isfinite(losses[key]) and float(losses[key]) > 0
    losses[key].backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    grads = [p.grad for p in model.neck.parameters()]
    assert all(g is not None for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0
    desc = model(images, None, mode='tensor')
    assert desc.shape == (2, 16, 12, 12)


def test_dense_stage2_checkpoint_keys_match_sce_mae_stage2():
    from mmpose.registry import MODELS

    import sce_mae_mm  # noqa: F401
    dense = MODELS.build(_stage2_cfg(dict(type='CLLoss')))
    ours = MODELS.build(
        dict(_stage2_cfg(None), type='SCEMAEStage2', loss=None))
    assert set(dense.state_dict()) == set(ours.state_dict())


def test_dense_stage2_bad_input():
    from mmpose.registry import MODELS

    import sce_mae_mm  # noqa: F401
    with pytest.raises(ValueError, match='second_view'):
        MODELS.build(_stage2_cfg(dict(type='LEADLoss'), second_view='x'))
    model = MODELS.build(_stage2_cfg(dict(type='LEADLoss')))
    with pytest.raises(ValueError, match='batch of 1'):
        model(torch.randn(1, 3, 96, 96), None, mode='loss')
