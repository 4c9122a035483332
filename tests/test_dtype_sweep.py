"""Dtype sweep of the public functions and models (issue 29).

Every public function a user calls directly takes float64, float32,
float16 and bfloat16 tensors, keypoints as floating or int64 tensors, mixed
dtypes and CPU tensors under a CPU bf16 autocast -- or raises a TypeError
that names the argument and the accepted dtypes. Inputs are made exactly
representable in bfloat16 (``_exact``) so that every dtype sees the same
numbers and results can be compared with a float32 / float64 reference.
"""
import contextlib

import numpy as np
import pytest
import torch

from sce_mae_mm.dtypes import ACCEPTED_FLOATS
from sce_mae_mm.evaluation import (match_landmarks, matching_breakdown,
                                   pairwise_distances, sample_descriptors,
                                   silhouette_score, tsne, upsample_features)
from sce_mae_mm.evaluation.metrics import (InputFrameNME,
                                           LandmarkSilhouetteMetric,
                                           MAFLMatchingMetric, NMEPercent)
from sce_mae_mm.models.losses import (cl_loss, cl_token_loss, lcr_loss,
                                      lead_loss)
from sce_mae_mm.models.utils import (attentive_split, cover_and_stride,
                                     density_peak_cluster)

F64, F32, F16, BF16 = (torch.float64, torch.float32, torch.float16,
                       torch.bfloat16)
FLOATS = [F64, F32, F16, BF16]
POINTS = FLOATS + [torch.int64]
# relative tolerance of a result computed from inputs of each dtype
TOL = {F64: 1e-9, F32: 1e-5, F16: 2e-2, BF16: 5e-2}
MIXED = 'mixed'  # float32 features, float64 keypoints / positions
AUTOCAST = 'cpu-bf16-autocast'  # float32 inputs under torch.autocast
CASES = FLOATS + [MIXED, AUTOCAST]


def _id(case) -> str:
    return case if isinstance(case, str) else str(case).replace('torch.', '')


def _exact(*shape, seed=0, scale=1.) -> torch.Tensor:
    """float32 values exactly representable in bfloat16 and float16."""
    gen = torch.Generator().manual_seed(seed)
    x = (torch.randn(*shape, generator=gen) * scale).clamp(-60000, 60000)
    return x.bfloat16().float()


def _dtype(case) -> torch.dtype:
    return case if isinstance(case, torch.dtype) else F32


def _context(case):
    if case == AUTOCAST:
        return torch.autocast('cpu', dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _tol(case) -> float:
    return TOL[BF16] if case == AUTOCAST else TOL[_dtype(case)]


# ------------------------------------------------------------- matching

def _match_inputs(seed=0):
    src = _exact(2, 8, 12, 12, seed=seed)
    tgt = _exact(2, 8, 12, 12, seed=seed + 1)
    gen = torch.Generator().manual_seed(seed + 2)
    kpts = torch.randint(0, 96, (2, 5, 2), generator=gen).float()
    return src, tgt, kpts


@pytest.mark.parametrize('argmax', ['pixel', 'grid'])
def test_match_landmarks_float64_same_as_float32(argmax):
    # the regression: float64 descriptors and keypoints (what
    # torch.from_numpy gives) failed inside grid_sample
    src, tgt, _ = _match_inputs()
    gen = torch.Generator().manual_seed(5)
    kpts = torch.rand(2, 5, 2, generator=gen) * 95  # sub-pixel points
    ref = match_landmarks(src, tgt, kpts, (96, 96), argmax=argmax)
    out = match_landmarks(src.double(), tgt.double(), kpts.double(),
                          (96, 96), argmax=argmax)
    assert out.dtype == F64 and ref.dtype == F32
    torch.testing.assert_close(out, ref.double(), rtol=0, atol=0)
    # numpy float64 inputs, as a new user would hand them
    out_np = match_landmarks(
        torch.from_numpy(src.numpy().astype(np.float64)),
        torch.from_numpy(tgt.numpy().astype(np.float64)),
        torch.from_numpy(kpts.numpy().astype(np.float64)), (96, 96),
        argmax=argmax)
    assert torch.equal(out_np, out)


@pytest.mark.parametrize('kpt_dtype', POINTS, ids=_id)
@pytest.mark.parametrize('feat_dtype', FLOATS, ids=_id)
@pytest.mark.parametrize('argmax', ['pixel', 'grid'])
def test_match_landmarks_dtypes(argmax, feat_dtype, kpt_dtype):
    src, tgt, kpts = _match_inputs()
    ref = match_landmarks(src, tgt, kpts, (96, 96), argmax=argmax)
    out = match_landmarks(src.to(feat_dtype), tgt.to(feat_dtype),
                          kpts.to(kpt_dtype), (96, 96), argmax=argmax)
    # result in the keypoints' dtype; float32 for integer keypoints
    expected = kpt_dtype if kpt_dtype.is_floating_point else F32
    assert out.dtype == expected
    # bf16-exact inputs: every dtype matches exactly as float32 does
    assert torch.equal(out.float(), ref)


@pytest.mark.parametrize('argmax', ['pixel', 'grid'])
def test_match_landmarks_mixed_and_autocast(argmax):
    src, tgt, kpts = _match_inputs()
    ref = match_landmarks(src, tgt, kpts, (96, 96), argmax=argmax)
    mixed = match_landmarks(src, tgt.bfloat16(), kpts.double(), (96, 96),
                            argmax=argmax)
    assert mixed.dtype == F64 and torch.equal(mixed.float(), ref)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        auto = match_landmarks(src, tgt, kpts.long(), (96, 96),
                               argmax=argmax)
    assert auto.dtype == F32 and torch.equal(auto, ref)


def test_match_landmarks_refuses_bool_and_integer_maps():
    src, tgt, kpts = _match_inputs()
    with pytest.raises(TypeError, match='src_kpts') as err:
        match_landmarks(src, tgt, kpts > 3, (96, 96))
    assert ACCEPTED_FLOATS in str(err.value) and 'integer' in str(err.value)
    with pytest.raises(TypeError, match='tgt_feats') as err:
        match_landmarks(src, tgt.long(), kpts, (96, 96))
    assert ACCEPTED_FLOATS in str(err.value)


@pytest.mark.parametrize('kpt_dtype', POINTS, ids=_id)
@pytest.mark.parametrize('dense_dtype', FLOATS, ids=_id)
def test_sample_descriptors_dtypes(dense_dtype, kpt_dtype):
    dense = _exact(2, 4, 16, 16)
    kpts = torch.tensor([[[0, 0], [3, 7], [15, 15]],
                         [[1, 2], [8, 8], [14, 0]]])
    ref = dense.permute(0, 2, 3, 1)[torch.arange(2)[:, None], kpts[..., 1],
                                    kpts[..., 0]]  # integer points: exact
    out = sample_descriptors(dense.to(dense_dtype), kpts.to(kpt_dtype))
    assert out.dtype == dense_dtype and out.shape == (2, 3, 4)
    assert torch.equal(out.float(), ref)


def test_sample_descriptors_subpixel_under_autocast():
    dense = _exact(1, 4, 16, 16)
    kpts = torch.tensor([[[2.25, 3.5], [10.75, 0.125]]], dtype=F64)
    ref = sample_descriptors(dense.double(), kpts)
    for half in (F16, BF16):  # a half grid would be off by ~0.05 px here
        out = sample_descriptors(dense.to(half), kpts)
        torch.testing.assert_close(out.double(), ref, rtol=TOL[half],
                                   atol=TOL[half])
    with torch.autocast('cpu', dtype=torch.bfloat16):
        auto = sample_descriptors(dense, kpts)
    torch.testing.assert_close(auto.double(), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('dtype', FLOATS, ids=_id)
def test_upsample_features_keeps_dtype(dtype):
    feats = _exact(1, 3, 6, 6)
    out = upsample_features(feats.to(dtype), (12, 12))
    ref = upsample_features(feats.double(), (12, 12))
    assert out.dtype == dtype
    torch.testing.assert_close(out.double(), ref, rtol=TOL[dtype],
                               atol=TOL[dtype])


# ---------------------------------------------------- numpy evaluation

def _points(seed=0):
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, 96, (6, 5, 2)).astype(np.float64)
    pred = gt + rng.integers(-6, 7, (6, 5, 2))
    return pred, gt


@pytest.mark.parametrize('dtype', POINTS, ids=_id)
def test_matching_breakdown_takes_tensors(dtype):
    pred, gt = _points()
    ref = matching_breakdown(pred, gt, flip_indices=[1, 0, 2, 4, 3])
    out = matching_breakdown(torch.from_numpy(pred).to(dtype),
                             torch.from_numpy(gt).to(dtype),
                             flip_indices=[1, 0, 2, 4, 3])
    assert out == ref  # integer pixels: exact in every dtype
    with pytest.raises(TypeError, match='pred'):
        matching_breakdown(torch.from_numpy(pred) > 3, gt)


@pytest.mark.parametrize('dtype', FLOATS, ids=_id)
def test_silhouette_and_tsne_take_tensors(dtype):
    x = _exact(12, 4)
    labels = np.arange(12) % 3
    ref = silhouette_score(x.double().numpy(), labels, 'cosine')
    assert silhouette_score(x.to(dtype), labels, 'cosine') == \
        pytest.approx(ref, rel=1e-12)
    dist = pairwise_distances(x.to(dtype))
    assert dist.dtype == np.float64 and dist.shape == (12, 12)
    emb = tsne(x.to(dtype), iters=20)
    np.testing.assert_array_equal(emb, tsne(x.double().numpy(), iters=20))
    with pytest.raises(TypeError, match='x'):
        pairwise_distances(x > 0)


@pytest.mark.parametrize('dtype', POINTS, ids=_id)
def test_metrics_take_tensor_fields(dtype):
    pred, gt = _points()

    def matching_samples(conv):
        return [dict(src_keypoints=conv(gt[i] + 1),
                     same_keypoints=conv(gt[i]), diff_keypoints=conv(gt[i]),
                     pred_same_keypoints=conv(pred[i]),
                     pred_diff_keypoints=conv(gt[i] + 2))
                for i in range(len(gt))]

    def as_tensor(a):
        return torch.from_numpy(np.asarray(a)).to(dtype)

    results = []
    for conv in (np.asarray, as_tensor):
        metric = MAFLMatchingMetric(flip_indices=[1, 0, 2, 4, 3])
        metric.dataset_meta = dict(keypoint_id2name={k: f'p{k}'
                                                     for k in range(5)})
        metric.process({}, matching_samples(conv))
        results.append(metric.evaluate(len(gt)))
    assert results[0] == results[1]

    def nme_samples(conv):
        return [dict(input_center=conv([48., 48.]),
                     input_scale=conv([96., 96.]), input_size=(96, 96),
                     pred_instances=dict(keypoints=conv(pred[i:i + 1])),
                     gt_instances=dict(keypoints=conv(gt[i:i + 1]),
                                       keypoints_visible=conv(
                                           np.ones((1, 5)))))
                for i in range(len(gt))]

    for cls, kwargs in ((InputFrameNME, {}),
                        (NMEPercent, dict(norm_mode='keypoint_distance'))):
        values = []
        for conv in (np.asarray, as_tensor):
            metric = cls(keypoint_indices=[0, 1], **kwargs)
            metric.dataset_meta = dict(dataset_name='face', keypoint_id2name={
                k: f'p{k}' for k in range(5)})
            metric.process({}, nme_samples(conv))
            values.append(metric.evaluate(len(gt))['NME'])
        assert values[0] == pytest.approx(values[1], rel=1e-12)


@pytest.mark.parametrize('dtype', FLOATS, ids=_id)
def test_silhouette_metric_takes_tensor_fields(dtype):
    desc = _exact(3, 5, 8)
    values = []
    for conv in (lambda t: t.double().numpy(), lambda t: t.to(dtype)):
        metric = LandmarkSilhouetteMetric(groups=('same', ))
        metric.process({}, [dict(same_landmark_descriptors=conv(d))
                            for d in desc])
        values.append(metric.compute_metrics(metric.results)['silhouette'])
    assert values[0] == pytest.approx(values[1], rel=1e-12)


# -------------------------------------------------------------- losses

def _token_set(case, seed=0):
    """(feats, positions, attentive, valid) of 2 images, 6 tokens each."""
    feats = _exact(2, 6, 8, seed=seed, scale=0.5)
    gen = torch.Generator().manual_seed(seed)
    pos = torch.randint(0, 12, (2, 6, 2), generator=gen)
    attentive = torch.tensor([[1, 1, 0, 0, 1, 0], [1, 0, 0, 1, 1, 0]]) > 0
    valid = torch.ones(2, 6, dtype=torch.bool)
    valid[1, 5] = False
    pos_dtype = F64 if case == MIXED else (
        torch.int64 if case == AUTOCAST else _dtype(case))
    return feats.to(_dtype(case)), pos.to(pos_dtype), attentive, valid


def _check_loss(fn, case):
    feats, pos, attentive, valid = _token_set(case)
    ref = fn(feats.double(), pos.double(), attentive, valid)
    feats = feats.detach().clone().requires_grad_()
    with _context(case):
        out = fn(feats, pos, attentive, valid)
    # half inputs give a float32 loss; float32 / float64 keep their dtype
    assert out.dtype == (F64 if _dtype(case) == F64 else F32)
    assert torch.isfinite(out)
    torch.testing.assert_close(out.double(), ref, rtol=_tol(case),
                               atol=_tol(case))
    out.backward()
    assert feats.grad.dtype == feats.dtype
    assert torch.isfinite(feats.grad.float()).all()


@pytest.mark.parametrize('case', CASES, ids=_id)
def test_lcr_loss_dtypes(case):
    _check_loss(lambda f, p, a, v: lcr_loss(f, p, a, valid=v), case)


@pytest.mark.parametrize('case', CASES, ids=_id)
def test_cl_token_loss_dtypes(case):
    _check_loss(lambda f, p, a, v: cl_token_loss(f, p * 8, v), case)


@pytest.mark.parametrize('case', CASES, ids=_id)
def test_cl_and_lead_loss_on_maps(case):
    maps = [_exact(2, 6, 4, 4, seed=s) for s in range(4)]
    ref_cl = cl_loss(maps[0].double(), 32)
    ref_lead = lead_loss(*[m.double() for m in maps])
    dtype = _dtype(case)
    teacher = F64 if case == MIXED else dtype  # mixed: float64 teacher
    with _context(case):
        out_cl = cl_loss(maps[0].to(dtype), 32)
        out_lead = lead_loss(maps[0].to(dtype), maps[1].to(dtype),
                             maps[2].to(teacher), maps[3].to(teacher))
    assert out_cl.dtype == (F64 if dtype == F64 else F32)
    assert out_lead.dtype == (F64 if F64 in (dtype, teacher) else F32)
    torch.testing.assert_close(out_cl.double(), ref_cl, rtol=_tol(case),
                               atol=_tol(case))
    torch.testing.assert_close(out_lead.double(), ref_lead,
                               rtol=_tol(case) * 4, atol=_tol(case) * 4)


def test_losses_refuse_integer_features():
    feats, pos, attentive, valid = _token_set(F32)
    with pytest.raises(TypeError, match='feats') as err:
        lcr_loss(feats.long(), pos, attentive, valid=valid)
    assert ACCEPTED_FLOATS in str(err.value)
    with pytest.raises(TypeError, match='student_src'):
        lead_loss(*([feats.long()] + [feats] * 3))


# ------------------------------------------- clustering, cover-and-stride

@pytest.mark.parametrize('case', CASES, ids=_id)
def test_split_and_clustering_dtypes(case):
    tokens = _exact(2, 20, 8)
    attn = _exact(2, 20, seed=3).softmax(-1).bfloat16().float()
    ref_mask = attentive_split(attn, 0.2)
    ref = density_peak_cluster(tokens, 3, mask=~ref_mask, tie_break=0)
    with _context(case):
        mask = attentive_split(attn.to(_dtype(case)), 0.2)
        centres, assignment = density_peak_cluster(
            tokens.to(_dtype(case)), 3, mask=~mask, tie_break=0)
    assert torch.equal(mask, ref_mask)
    assert torch.equal(centres, ref[0]) and torch.equal(assignment, ref[1])


@pytest.mark.parametrize('case', CASES, ids=_id)
def test_cover_and_stride_dtypes(case):
    images = _exact(2, 3, 16, 16)

    def pool(x):  # a token map of patch 8: mean of each 8 x 8 patch
        return torch.nn.functional.avg_pool2d(x, 8)

    ref = cover_and_stride(pool, images.double(), 8, 4)
    with _context(case):
        out = cover_and_stride(pool, images.to(_dtype(case)), 8, 4)
    assert out.dtype == _dtype(case) and out.shape == (2, 3, 4, 4)
    torch.testing.assert_close(out.double(), ref, rtol=_tol(case),
                               atol=_tol(case))


# ------------------------------------------------------ backbone, stage 2

TINY_VIT = dict(type='SCEViT', arch=dict(embed_dims=32, num_layers=3,
                                         num_heads=2,
                                         feedforward_channels=64),
                layer_index=1, frozen=True)


@pytest.fixture(scope='module')
def stage2():
    from sce_mae_mm.models.pose_estimators import SCEMAEStage2
    torch.manual_seed(0)
    model = SCEMAEStage2(backbone=TINY_VIT, neck=dict(
        type='CARB', in_channels=32, out_channels=8, num_clusters=2))
    model.init_weights()
    return model.eval()


@pytest.fixture(scope='module')
def images():
    return _exact(2, 3, 96, 96, seed=7)


@pytest.mark.parametrize('case', CASES, ids=_id)
def test_backbone_forward_dtypes(stage2, images, case):
    """A model cast to a dtype takes inputs of any floating dtype."""
    import copy
    ref_model = copy.deepcopy(stage2.backbone).double()
    ref = ref_model(images.double())[0]
    ref_features = ref_model.forward_tokens(images.double())
    model = copy.deepcopy(stage2.backbone).to(_dtype(case))
    inputs = images.double() if case == MIXED else images.to(_dtype(case))
    with _context(case):
        out = model(inputs)[0]
        features = model.forward_tokens(inputs)
    # under autocast the final LayerNorm (an fp32 op) returns float32
    assert out.dtype == _dtype(case) and out.shape == (2, 32, 12, 12)
    tol = 0.1 if _dtype(case) in (F16, BF16) or case == AUTOCAST else 1e-4
    torch.testing.assert_close(out.double(), ref, rtol=tol, atol=tol)
    attn = features['cls_attn']
    torch.testing.assert_close(attn.double().sum(-1), torch.ones(2,
                                                                 dtype=F64),
                               rtol=2e-2, atol=2e-2)
    assert features['layer_tokens'].shape == ref_features[
        'layer_tokens'].shape


def test_backbone_casts_inputs_and_refuses_uint8(stage2, images):
    backbone = stage2.backbone  # float32 weights
    ref = backbone(images)[0]
    for dtype in (F64, F16, BF16):
        out = backbone(images.to(dtype))[0]
        assert out.dtype == F32
        tol = 1e-6 if dtype == F64 else 0.1
        torch.testing.assert_close(out, ref, rtol=tol, atol=tol)
    with pytest.raises(TypeError, match=r'\bx\b') as err:
        backbone(images.to(torch.uint8))
    assert ACCEPTED_FLOATS in str(err.value)


@pytest.mark.parametrize('case', CASES, ids=_id)
def test_stage2_loss_and_tensor_dtypes(stage2, images, case):
    import copy
    model = copy.deepcopy(stage2).to(_dtype(case))
    inputs = images.double() if case == MIXED else images.to(_dtype(case))
    with _context(case):
        loss = model(inputs, mode='loss')['loss_lcr']
        desc = model(inputs, mode='tensor')
    assert torch.isfinite(loss) and loss.requires_grad
    assert loss.dtype == (F64 if _dtype(case) == F64 else F32)
    loss.backward()
    grads = [p.grad for p in model.neck.parameters()]
    assert all(g is not None and torch.isfinite(g.float()).all()
               for g in grads)
    expected = BF16 if case == AUTOCAST else _dtype(case)
    assert desc.dtype == expected and desc.shape == (2, 8, 12, 12)
    norms = desc.double().norm(dim=1)  # the projector's unit descriptors
    torch.testing.assert_close(norms, torch.ones_like(norms), rtol=2e-2,
                               atol=2e-2)


@pytest.mark.parametrize('case', CASES, ids=_id)
def test_landmark_matcher_predict_dtypes(stage2, images, case):
    """LandmarkMatcher.predict with a model cast to a dtype and keypoint
    fields of that dtype (mixed: float64 keypoints into a float32 model;
    autocast: int64 keypoints)."""
    from mmpose.structures import PoseDataSample

    from sce_mae_mm.models.pose_estimators import LandmarkMatcher
    model = LandmarkMatcher(backbone=TINY_VIT, neck=dict(
        type='CARB', in_channels=32, out_channels=8))
    model.load_state_dict(stage2.state_dict(), strict=False)
    inputs = torch.stack([images, images.flip(-1), images.flip(-2)], 1)
    points = torch.tensor([[10, 20], [40, 41], [80, 70]])

    def samples(dtype):
        return [PoseDataSample(metainfo=dict(
            input_size=(96, 96), src_keypoints=points.to(dtype),
            same_keypoints=points.to(dtype),
            diff_keypoints=points.to(dtype))) for _ in range(2)]

    ref = model.predict(inputs, samples(F32))
    kpt_dtype = F64 if case == MIXED else (
        torch.int64 if case == AUTOCAST else _dtype(case))
    cast = model.to(_dtype(case))
    with _context(case):
        out = cast.predict(inputs.to(_dtype(case)), samples(kpt_dtype))
    for got, want in zip(out, ref):
        pred = got.pred_same_keypoints
        assert pred.shape == (3, 2) and np.isfinite(pred).all()
        desc = got.same_landmark_descriptors
        assert desc.dtype == (np.float64 if _dtype(case) == F64
                              else np.float32)
        if case in (F64, F32, MIXED):  # same matches as float32
            np.testing.assert_array_equal(pred, want.pred_same_keypoints)
            np.testing.assert_allclose(desc, want.same_landmark_descriptors,
                                       rtol=1e-4, atol=1e-4)
        else:  # half descriptors: unit length, matches in the image
            np.testing.assert_allclose(np.linalg.norm(desc, axis=-1), 1,
                                       atol=2e-2)
            assert ((pred >= 0) & (pred <= 95)).all()


# ----------------------------------------------------------------- apis

@pytest.fixture(scope='module')
def matcher():
    from pathlib import Path

    from sce_mae_mm.apis import init_matcher
    cfg = str(Path(__file__).resolve().parents[1] / 'configs/synthetic/'
              'sce_mae_deit_t_mafl_matching_synthetic.py')
    torch.manual_seed(0)
    return init_matcher(cfg, None, stride=8,
                        cfg_options={'model.backbone.checkpoint': None})


@pytest.fixture(scope='module')
def faces():
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (96, 96, 3), dtype=np.uint8)
            for _ in range(2)]


SRC_POINTS = np.array([[30., 30.], [48., 50.], [61., 40.]])


@pytest.mark.parametrize('case', CASES, ids=_id)
def test_match_points_model_dtypes(matcher, faces, case):
    import copy

    from sce_mae_mm.apis import match_points
    ref = match_points(matcher, faces[0], faces[1], SRC_POINTS)
    model = copy.deepcopy(matcher).to(_dtype(case))
    points = torch.from_numpy(SRC_POINTS)  # float64 tensor
    with _context(case):
        out = match_points(model, faces[0], faces[1], points)
    assert out.dtype == np.float32 and out.shape == (3, 2)
    if _dtype(case) == F64 or case == MIXED:
        np.testing.assert_array_equal(out, ref)
    else:  # half descriptors may move a match by a few pixels
        assert np.abs(out - ref).max() < 40


@pytest.mark.parametrize('dtype', POINTS, ids=_id)
def test_match_points_point_dtypes(matcher, faces, dtype):
    from sce_mae_mm.apis import match_points
    ref = match_points(matcher, faces[0], faces[1], SRC_POINTS)
    out = match_points(matcher, faces[0], faces[1],
                       torch.from_numpy(SRC_POINTS).to(dtype))
    np.testing.assert_array_equal(out, ref)  # integer points: exact
    out = match_points(matcher, faces[0], faces[1],
                       SRC_POINTS.astype(np.float16))
    np.testing.assert_array_equal(out, ref)


def test_apis_refuse_float_images_and_bool_points(matcher, faces):
    from sce_mae_mm.apis import extract_descriptors, face_crop, match_points
    with pytest.raises(TypeError, match='uint8') as err:
        extract_descriptors(matcher, [faces[0].astype(np.float32)])
    assert 'float32' in str(err.value)
    with pytest.raises(TypeError, match='torch.Tensor'):
        face_crop(torch.from_numpy(faces[0]))
    with pytest.raises(TypeError, match='src_points'):
        match_points(matcher, faces[0], faces[1], SRC_POINTS > 40)
    # windows as tensors of any real dtype
    crop, matrix = face_crop(faces[0], torch.tensor([0, 0, 96, 96],
                                                    dtype=BF16))
    ref_crop, ref_matrix = face_crop(faces[0], (0., 0., 96., 96.))
    assert np.array_equal(crop, ref_crop)
    np.testing.assert_array_equal(matrix, ref_matrix)


@pytest.mark.parametrize('dtype', [F64, BF16, torch.int64], ids=_id)
def test_predict_landmarks_window_dtypes(faces, dtype):
    from pathlib import Path

    from sce_mae_mm.apis import init_detector, predict_landmarks
    cfg = str(Path(__file__).resolve().parents[1] /
              'configs/synthetic/sce_mae_deit_t_mafl_synthetic.py')
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match='no checkpoint'):
        model = init_detector(cfg, None, cfg_options={
            'model.init_cfg': None, 'model.backbone.stride': 8})
    windows = np.array([[0., 0., 96., 96.], [8., 8., 88., 88.]])
    ref = predict_landmarks(model, faces[0], windows)
    out = predict_landmarks(model, faces[0],
                            torch.from_numpy(windows).to(dtype))
    assert out.dtype == np.float32 and out.shape == ref.shape
    np.testing.assert_array_equal(out, ref)  # integer windows: exact
