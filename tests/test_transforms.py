"""DVEFaceCrop, the TPS warp and the matching-pair transforms."""
import numpy as np
import pytest

from sce_mae_mm.datasets.transforms import (DVEFaceCrop, MatchingPairWarp,
                                            PackMatchingInputs, RandomTPSWarp,
                                            identity_tps_params,
                                            sample_tps_params, tps_apply,
                                            tps_invert_points, tps_warp_image,
                                            tps_warp_keypoints)
from sce_mae_mm.datasets.transforms.tps_warp import tps_jacobian

CELEBA = np.array([0., 30., 178., 208.])


def _results(img, window, kpts):
    return dict(img=img, bbox=np.asarray(window, np.float32)[None],
                keypoints=np.asarray(kpts, np.float32)[None],
                keypoints_visible=np.ones((1, len(kpts)), np.float32))


def test_dve_crop_celeba_geometry():
    kpts = np.array([[69., 111.], [108., 111.], [88., 135.], [72., 152.],
                     [105., 152.]])
    img = np.zeros((218, 178, 3), np.uint8)
    out = DVEFaceCrop()(_results(img, CELEBA, kpts))
    s = 136. / 178.
    expected = np.stack([kpts[:, 0] * s - 20., (kpts[:, 1] - 30.) * s - 20.],
                        1)
    np.testing.assert_allclose(out['transformed_keypoints'][0], expected,
                               atol=1e-4)
    assert out['img'].shape == (96, 96, 3)
    assert out['input_size'] == (96, 96)
    np.testing.assert_allclose(out['keypoints'][0], kpts)  # untouched
    # mmpose's TopdownPoseEstimator.add_pred_to_datasample back-mapping
    back = (out['transformed_keypoints'][0] / 96. * out['input_scale']
            + out['input_center'] - 0.5 * out['input_scale'])
    np.testing.assert_allclose(back, kpts, atol=1e-3)


def test_dve_crop_context_keeps_real_pixels():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (218, 178, 3)).astype(np.uint8)
    kpts = rng.uniform(40, 140, (5, 2))
    a = DVEFaceCrop(context=0)(_results(img, CELEBA, kpts))
    b = DVEFaceCrop(context=12)(_results(img, CELEBA, kpts))
    assert b['img'].shape == (120, 120, 3) and b['context'] == 12
    np.testing.assert_allclose(b['img'][12:-12, 12:-12].astype(float),
                               a['img'].astype(float), atol=1)
    # the margin is image content, not padding
    assert b['img'][:12].std() > 20
    np.testing.assert_allclose(b['transformed_keypoints'],
                               a['transformed_keypoints'], atol=1e-5)
    np.testing.assert_allclose(b['input_center'], a['input_center'])


def test_identity_tps_is_identity():
    rng = np.random.default_rng(1)
    prm = identity_tps_params()
    q = rng.uniform(-1.3, 1.3, (50, 2))
    np.testing.assert_allclose(tps_apply(q, prm), q, atol=1e-12)
    for context in (0, 10):
        img = rng.integers(0, 255, (96 + 2 * context, ) * 2 + (3, ))
        img = img.astype(np.uint8)
        np.testing.assert_array_equal(
            tps_warp_image(img, prm, context=context), img)
    kp = rng.uniform(0, 95, (5, 2))
    np.testing.assert_allclose(tps_warp_keypoints(kp, prm), kp, atol=1e-5)


def test_tps_inverse_and_jacobian():
    rng = np.random.default_rng(2)
    for _ in range(5):
        prm = sample_tps_params(rng, 0.0005, 0.005, 0.05, 0.05, 2.5)
        q_true = rng.uniform(-1., 1., (40, 2))
        p = tps_apply(q_true, prm)
        q = tps_invert_points(p, prm)
        np.testing.assert_allclose(q, q_true, atol=1e-9)
        # a preimage outside the frame is found too
        far = tps_apply(rng.uniform(1.2, 1.6, (10, 2)), prm)
        np.testing.assert_allclose(tps_apply(tps_invert_points(far, prm),
                                             prm), far, atol=1e-9)
        # analytic Jacobian against finite differences
        h = 1e-6
        d_x = (tps_apply(q + [h, 0], prm) - tps_apply(q - [h, 0], prm))
        d_y = (tps_apply(q + [0, h], prm) - tps_apply(q - [0, h], prm))
        num = np.stack([d_x / (2 * h), d_y / (2 * h)], -1)
        np.testing.assert_allclose(tps_jacobian(q, prm), num, atol=1e-5)


def test_tps_warp_parameterisation():
    """DVE's sampling map: affine rows [t; A] and a random half of weights
    from the larger sd."""
    rng = np.random.default_rng(3)
    prm = sample_tps_params(rng, warpsd_all=0., warpsd_subset=0.01,
                            transsd=0., scalesd=0., rotsd=0.)
    nonzero = (prm['weights'] != 0).mean()
    assert 0.35 < nonzero < 0.65
    assert prm['ctrl'].shape == (100, 2)
    np.testing.assert_allclose(prm['ctrl'][[0, 9, 99]],
                               [[-1, -1], [1, -1], [1, 1]])
    prm = sample_tps_params(rng, warpsd_all=0., warpsd_subset=0.,
                            transsd=0.1, scalesd=0., rotsd=0.)
    t = prm['affine'][0]
    np.testing.assert_allclose(tps_apply(np.zeros((1, 2)), prm)[0], t)
    # a pure translation by t samples from q + t: content moves by -t
    kp = np.array([[40., 50.]])
    moved = tps_warp_keypoints(kp, prm)
    np.testing.assert_allclose(moved - kp, -t[None] * 95. / 2., atol=1e-4)


def _render_dot(shape, centre, sigma):
    yy, xx = np.mgrid[:shape[0], :shape[1]].astype(np.float32)
    return np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2)
                  / (2 * sigma ** 2)).astype(np.float32)


def _peak(img):
    """Sub-pixel peak: least-squares quadratic fit of log intensity."""
    y, x = np.unravel_index(np.argmax(img), img.shape)
    dy, dx = np.mgrid[-2:3, -2:3]
    val = np.log(np.maximum(img[y - 2:y + 3, x - 2:x + 3], 1e-6))
    a = np.stack([dx.ravel() ** 2, dy.ravel() ** 2, (dx * dy).ravel(),
                  dx.ravel(), dy.ravel(), np.ones(25)], 1)
    c = np.linalg.lstsq(a, val.ravel(), rcond=None)[0]
    hess = np.array([[2 * c[0], c[2]], [c[2], 2 * c[1]]])
    off = np.linalg.solve(hess, -c[3:5])
    return np.array([x, y]) + off


@pytest.mark.parametrize('case', [
    dict(shape=(218, 178), window=CELEBA, sigma=2.5, context=0, seed=0),
    dict(shape=(218, 178), window=CELEBA, sigma=2.5, context=12, seed=1),
    dict(shape=(420, 380), window=[70., 90., 330., 350.], sigma=5.,
         context=8, seed=2),  # 300W-like: shrink with anti-aliasing
    dict(shape=(180, 140), window=[0., 0., 140., 180.], sigma=2.,
         context=0, seed=3),  # AFLW_R: anisotropic square resize
])
def test_landmark_tracking(case):
    """Draw a dot at each landmark, crop + warp, find the dot: it sits on
    the transformed landmark within 0.5 px."""
    rng = np.random.default_rng(case['seed'])
    x1, y1, x2, y2 = case['window']
    # landmarks inside the 96-px crop (central 70 % of the window)
    lo = np.array([x1, y1]) + 0.25 * np.array([x2 - x1, y2 - y1])
    hi = np.array([x1, y1]) + 0.75 * np.array([x2 - x1, y2 - y1])
    kpts = rng.uniform(lo, hi, (5, 2))
    errors = []
    for k in range(5):
        img = _render_dot(case['shape'], kpts[k], case['sigma'])
        res = _results(img, case['window'], kpts)
        res = DVEFaceCrop(context=case['context'])(res)
        res = RandomTPSWarp(seed=case['seed'])(res)  # same warp each time
        c = case['context']
        assert res['img'].shape == (96 + 2 * c, 96 + 2 * c)
        found = _peak(res['img']) - c
        errors.append(np.linalg.norm(found
                                     - res['transformed_keypoints'][0, k]))
    assert max(errors) < 0.5, errors


def test_random_tps_warp_seeded_and_prob():
    img = np.random.default_rng(0).integers(0, 255, (96, 96, 3)).astype(
        np.uint8)
    kp = np.array([[[30., 40.], [60., 40.], [45., 55.], [35., 70.],
                    [58., 70.]]], np.float32)

    def run(t):
        return t(dict(img=img.copy(), transformed_keypoints=kp.copy()))

    a, b = run(RandomTPSWarp(seed=4)), run(RandomTPSWarp(seed=4))
    c = run(RandomTPSWarp(seed=5))
    np.testing.assert_array_equal(a['img'], b['img'])
    np.testing.assert_array_equal(a['transformed_keypoints'],
                                  b['transformed_keypoints'])
    assert not np.array_equal(a['img'], c['img'])
    assert a['transformed_keypoints'].shape == (1, 5, 2)
    assert np.abs(a['transformed_keypoints'] - kp).max() > 0.1
    none = run(RandomTPSWarp(prob=0., seed=4))
    np.testing.assert_array_equal(none['img'], img)
    with pytest.raises(ValueError, match='border'):
        RandomTPSWarp(border='wrap')


def _pair(tmp_path):
    import cv2
    rng = np.random.default_rng(0)
    paths = []
    for k in range(2):
        p = str(tmp_path / f'{k}.jpg')
        cv2.imwrite(p, rng.integers(0, 255, (218, 178, 3)).astype(np.uint8))
        paths.append(p)
    kpts = rng.uniform(60, 140, (2, 5, 2))
    return dict(pair_id=3, img_paths=paths, img_path=paths[0],
                keypoints=kpts, bbox=np.stack([CELEBA, CELEBA]))


def test_matching_pair_warp(tmp_path):
    pair = _pair(tmp_path)
    t = MatchingPairWarp(seed=0)
    assert (t.warp_frame, t.keypoint_rule) == ('resize', 'grid')
    a = t(dict(pair))
    b = MatchingPairWarp(seed=0)(dict(pair))
    c = MatchingPairWarp(seed=1)(dict(pair))
    assert a['imgs'].shape == (3, 96, 96, 3) and a['imgs'].dtype == np.uint8
    for key in ('imgs', 'src_keypoints', 'same_keypoints', 'diff_keypoints'):
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a['imgs'], c['imgs'])
    # DVE's rule: every ground-truth keypoint is an integer pixel
    for key in ('src_keypoints', 'same_keypoints', 'diff_keypoints'):
        np.testing.assert_array_equal(a[key], np.round(a[key]))
    prm = t.pair_params(3)
    # DVE's frame: the warps live on the 136-px image (pixel 20 of the
    # 136-px frame is pixel 0 of the crop); source = g2 on top of g1(A)
    exact = MatchingPairWarp(seed=0, keypoint_rule='exact')(dict(pair))
    np.testing.assert_allclose(
        exact['src_keypoints'],
        tps_warp_keypoints(exact['same_keypoints'] + 20., prm['g2'], 136) -
        20., atol=1e-3)
    # the nearest grid pixel is within a pixel of the exact position
    assert np.abs(a['same_keypoints'] - exact['same_keypoints']).max() < 1.
    assert np.abs(exact['same_keypoints'] -
                  np.round(exact['same_keypoints'])).max() > 1e-3
    # the crop frame (the earlier protocol) is another warp
    crop = MatchingPairWarp(seed=0, warp_frame='crop',
                            keypoint_rule='exact')(dict(pair))
    np.testing.assert_allclose(
        crop['src_keypoints'], tps_warp_keypoints(crop['same_keypoints'],
                                                  prm['g2']), atol=1e-3)
    assert np.abs(crop['same_keypoints'] -
                  exact['same_keypoints']).max() > 0.05
    # without warps: source == same == the crop of A, diff == crop of B
    flat_args = dict(warpsd_all=0., warpsd_subset=0., transsd=0.,
                     scalesd=0., rotsd=0.)
    s = 136. / 178.
    expect = np.stack([pair['keypoints'][:, :, 0] * s - 20.,
                       (pair['keypoints'][:, :, 1] - 30.) * s - 20.], -1)
    for rule, tol in (('exact', 1e-4), ('grid', 0.5 + 1e-4)):
        flat = MatchingPairWarp(keypoint_rule=rule, **flat_args)(dict(pair))
        np.testing.assert_array_equal(flat['imgs'][0], flat['imgs'][1])
        np.testing.assert_allclose(flat['same_keypoints'], expect[0],
                                   atol=tol)
        np.testing.assert_allclose(flat['diff_keypoints'], expect[1],
                                   atol=tol)
    np.testing.assert_array_equal(flat['same_keypoints'], np.round(expect[0]))
    # context: real pixels of the 136-px image around the warped crop
    ctx = MatchingPairWarp(seed=0, context=4)(dict(pair))
    assert ctx['imgs'].shape == (3, 104, 104, 3)
    np.testing.assert_array_equal(ctx['imgs'][:, 4:-4, 4:-4], a['imgs'])
    np.testing.assert_array_equal(ctx['same_keypoints'], a['same_keypoints'])
    with pytest.raises(ValueError, match='context'):
        MatchingPairWarp(context=21)
    with pytest.raises(ValueError, match='keypoint_rule'):
        MatchingPairWarp(keypoint_rule='round')
    packed = PackMatchingInputs()(a)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert tuple(inputs.shape) == (3, 3, 96, 96)
    assert str(inputs.dtype) == 'torch.uint8'
    np.testing.assert_array_equal(inputs[1].permute(1, 2, 0).numpy(),
                                  a['imgs'][1][..., ::-1])  # RGB
    for key in ('src_keypoints', 'same_keypoints', 'diff_keypoints'):
        assert sample.metainfo[key].shape == (5, 2)
    assert sample.metainfo['pair_id'] == 3
    assert sample.metainfo['img_paths'] == pair['img_paths']


def test_nearest_grid_keypoints_is_dves_rule():
    from sce_mae_mm.datasets.transforms.matching import nearest_grid_keypoints
    from sce_mae_mm.datasets.transforms.tps_warp import tps_sampling_map
    rng = np.random.default_rng(3)
    g1 = sample_tps_params(rng, 0.0005, 0.005, 0.05, 0.05, 2.5)
    g2 = sample_tps_params(rng, 0.0005, 0.005, 0.05, 0.05, 2.5)
    kp = rng.uniform(30, 100, (5, 2))
    out = nearest_grid_keypoints(kp, g1, 136)
    mx, my = tps_sampling_map(g1, 136)
    for p, q in zip(kp, out):
        d = (mx - p[0]) ** 2 + (my - p[1]) ** 2  # brute force, (y, x)
        y, x = np.unravel_index(d.argmin(), d.shape)
        assert (q == [x, y]).all()
    # a chain: one warp at a time (DVE's Warper for its second image)
    np.testing.assert_array_equal(
        nearest_grid_keypoints(kp, [g1, g2], 136),
        nearest_grid_keypoints(out, g2, 136))


def test_matching_pair_unreadable_image(tmp_path):
    pair = _pair(tmp_path)
    with open(pair['img_paths'][1], 'wb') as f:
        f.write(b'not an image')
    with pytest.raises(OSError, match='1.jpg'):
        MatchingPairWarp()(dict(pair))
