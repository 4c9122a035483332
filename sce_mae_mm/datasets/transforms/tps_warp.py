"""Thin-plate-spline warps with DVE's parameterisation (SPEC section 4).

A 10x10 grid of control points ``c_k`` on [-1, 1]^2, radial basis
``U(r) = r^2 log r^2`` (DVE: ``D log(D + 1e-5)`` with ``D = r^2``). A warp is
the *sampling* map (inverse warp) of normalised output coordinates ``q``::

    T(q) = sum_k U(|q - c_k|) w_k + t + q A,    A = s [[cos, -sin],
                                                       [sin,  cos]]

with non-linear weights ``w_k ~ N(0, warpsd_all)`` (a random half of them
``~ N(0, warpsd_subset)``), rotation ``~ N(0, rotsd)`` degrees, scale
``1 + N(0, scalesd)`` and translation ``N(0, transsd)`` in normalised units.

Normalised coordinates live on the ``crop``-pixel frame: pixel ``x``
(0..crop-1) is ``u = 2 x / (crop - 1) - 1`` (DVE's ``linspace(-1, 1)``
grid). With ``context`` pixels around the crop the same map simply extends
beyond [-1, 1]. The warped image is ``out(q) = in(T(q))`` (``cv2.remap``);
a landmark at ``p`` moves to the ``q`` that solves ``T(q) = p``, found by
Newton iterations on the analytic Jacobian (sub-pixel exact, not nearest
grid point).
"""
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

Array = np.ndarray

_EPS = 1e-5  # DVE's log offset
_BORDERS = dict(constant=cv2.BORDER_CONSTANT,
                reflect=cv2.BORDER_REFLECT_101,
                replicate=cv2.BORDER_REPLICATE)


def tps_control_points(num: int = 10) -> Array:
    """(num * num, 2) control points (x, y) on [-1, 1]^2, x fastest."""
    g = np.linspace(-1., 1., num)
    yy, xx = np.meshgrid(g, g, indexing='ij')
    return np.stack([xx.reshape(-1), yy.reshape(-1)], 1)


def sample_tps_params(rng: np.random.Generator, warpsd_all: float = 0.001,
                      warpsd_subset: float = 0.01, transsd: float = 0.1,
                      scalesd: float = 0.1, rotsd: float = 5.,
                      num_ctrl: int = 10) -> Dict[str, Array]:
    """Draw one random TPS warp (DVE's ``random_tps_weights``).

    Args:
        rng: random generator.
        warpsd_all: sd of the non-linear weights.
        warpsd_subset: sd of a random half of them.
        transsd: sd of the translation (normalised units).
        scalesd: sd of the scale around 1.
        rotsd: sd of the rotation in degrees.
        num_ctrl: control points per side.

    Returns:
        dict: ``ctrl`` (C, 2), ``weights`` (C, 2), ``affine`` (3, 2) rows
        ``[t; A]`` (``T(q) = U w + t + q A``).
    """
    n = num_ctrl * num_ctrl
    w = rng.normal(0., 1., (n, 2)) * warpsd_all
    subset = rng.uniform(size=(n, 2)) > 0.5
    w[subset] = rng.normal(0., 1., int(subset.sum())) * warpsd_subset
    rot = rng.normal() * rotsd * np.pi / 180.
    sc = 1. + rng.normal() * scalesd
    tx, ty = rng.normal(0., 1., 2) * transsd
    c, s = sc * np.cos(rot), sc * np.sin(rot)
    affine = np.array([[tx, ty], [c, -s], [s, c]])
    return dict(ctrl=tps_control_points(num_ctrl), weights=w, affine=affine)


def identity_tps_params(num_ctrl: int = 10) -> Dict[str, Array]:
    """The identity warp (zero weights, identity affine part)."""
    return dict(ctrl=tps_control_points(num_ctrl),
                weights=np.zeros((num_ctrl * num_ctrl, 2)),
                affine=np.array([[0., 0.], [1., 0.], [0., 1.]]))


def _sq_dist(points: Array, ctrl: Array) -> Array:
    """(P, C) squared distances, via one matrix product."""
    d = ((points ** 2).sum(-1)[:, None] + (ctrl ** 2).sum(-1)[None]
         - 2. * points @ ctrl.T)
    return np.maximum(d, 0.)


def tps_basis(points: Array, ctrl: Array) -> Array:
    """(P, C) radial basis ``U = D log(D + 1e-5)``, ``D`` squared distance.

    Args:
        points: (P, 2) normalised points.
        ctrl: (C, 2) control points.

    Returns:
        (P, C) float64.
    """
    d = _sq_dist(points, ctrl)
    return d * np.log(d + _EPS)


def tps_apply(points: Array, params: Dict[str, Array],
              basis: Optional[Array] = None) -> Array:
    """Evaluate the sampling map ``T`` at normalised points.

    Args:
        points: (..., 2) normalised coordinates ``q``.
        params: from :func:`sample_tps_params`.
        basis: precomputed :func:`tps_basis` of the flattened points.

    Returns:
        (..., 2) ``T(q)``.
    """
    q = np.asarray(points, np.float64)
    flat = q.reshape(-1, 2)
    if basis is None:
        basis = tps_basis(flat, params['ctrl'])
    # einsum, not BLAS: thin products are slow with contended BLAS threads
    w = params['weights'].astype(basis.dtype)
    out = (np.einsum('pk,ki->pi', basis, w) + params['affine'][0]
           + flat @ params['affine'][1:])
    return out.reshape(q.shape)


def tps_jacobian(points: Array, params: Dict[str, Array]) -> Array:
    """Jacobian ``dT_i / dq_j`` of the sampling map.

    Args:
        points: (P, 2) normalised coordinates.
        params: TPS parameters.

    Returns:
        (P, 2, 2) with ``J[p, i, j] = dT_i / dq_j``.
    """
    ctrl, w = params['ctrl'], params['weights']
    d = _sq_dist(points, ctrl)
    g = 2. * (np.log(d + _EPS) + d / (d + _EPS))  # 2 dU / dD: (P, C)
    # dT_i/dq_j = sum_k g_k (q_j - c_kj) w_ki
    gw = g @ w  # (P, 2): sum_k g_k w_ki
    jac = points[:, None, :] * gw[:, :, None] - np.einsum(
        'pk,kj,ki->pij', g, ctrl, w)
    return jac + params['affine'][1:].T[None]


def _nearest_on_grid(flat: Array, params: Dict[str, Array], lim: float,
                     num: int) -> Array:
    """For each target, the grid point (on [-lim, lim]^2) whose sampling
    location is nearest (DVE's nearest-grid-point rule)."""
    g = np.linspace(-lim, lim, num)
    grid = np.stack(np.meshgrid(g, g, indexing='xy'), -1).reshape(-1, 2)
    tg = tps_apply(grid, params)
    near = ((flat[:, None] - tg[None]) ** 2).sum(-1).argmin(1)
    return grid[near]


def _newton(q: Array, flat: Array, params: Dict[str, Array], iters: int,
            tol: float) -> Tuple[Array, Array]:
    """Damped Newton on ``T(q) = flat``; returns ``q`` and squared
    residuals."""
    q = q.copy()
    r = tps_apply(q, params) - flat
    err = (r ** 2).sum(-1)
    for _ in range(iters):
        if float(err.max()) < tol:
            break
        jac = tps_jacobian(q, params)
        ok = np.abs(np.linalg.det(jac)) > 1e-12
        step = np.zeros_like(q)
        step[ok] = np.linalg.solve(jac[ok], r[ok][..., None])[..., 0]
        alpha = np.ones(len(q))
        for _ in range(30):
            qn = q - alpha[:, None] * step
            rn = tps_apply(qn, params) - flat
            errn = (rn ** 2).sum(-1)
            worse = errn > err
            if not worse.any():
                break
            alpha[worse] *= 0.5
        better = errn <= err
        q[better], r[better], err[better] = (qn[better], rn[better],
                                             errn[better])
    return q, err


def tps_invert_points(targets: Array, params: Dict[str, Array],
                      iters: int = 50, tol: float = 1e-20,
                      frame: float = 1.0) -> Array:
    """Solve ``T(q) = p`` for ``q`` (forward-map points through the warp).

    Starts, like DVE, from the point of a grid over the output frame whose
    sampling location is nearest to ``p``, then refines it to sub-pixel
    accuracy with damped Newton iterations on the analytic Jacobian. Points
    whose preimage lies outside the frame are retried from a wide grid.
    Where the warp folds (rare with DVE's strengths) the preimage seen in
    the frame is preferred.

    Args:
        targets: (..., 2) normalised source coordinates ``p``.
        params: TPS parameters.
        iters: maximum Newton iterations.
        tol: stop when every squared residual is below ``tol``.
        frame: half-size of the output frame in normalised units (1 for
            the crop; larger with context).

    Returns:
        (..., 2) normalised output coordinates ``q``.
    """
    p = np.asarray(targets, np.float64)
    flat = p.reshape(-1, 2)
    if flat.shape[0] == 0:
        return p.copy()
    q0 = _nearest_on_grid(flat, params, 1.02 * frame, 49)
    q, err = _newton(q0, flat, params, iters, tol)
    bad = err > 1e-16
    if bad.any():
        qw, errw = _newton(_nearest_on_grid(flat[bad], params, 4., 97),
                           flat[bad], params, iters, tol)
        take = errw < err[bad]
        idx = np.flatnonzero(bad)[take]
        q[idx], err[idx] = qw[take], errw[take]
    return q.reshape(p.shape)


def pixel_to_normalised(x: Array, crop: int = 96) -> Array:
    """Crop-frame pixels -> normalised coordinates (``-1`` .. ``1``)."""
    return 2. * np.asarray(x, np.float64) / (crop - 1) - 1.


def normalised_to_pixel(u: Array, crop: int = 96) -> Array:
    """Normalised coordinates -> crop-frame pixels."""
    return (np.asarray(u, np.float64) + 1.) * (crop - 1) / 2.


_BASIS_CACHE: Dict[Tuple[int, int, int], Tuple[Array, Array]] = {}


def _frame_grid(crop: int, context: int, num_ctrl: int
                ) -> Tuple[Array, Array]:
    """Normalised output-pixel grid of a frame and its TPS basis (cached)."""
    key = (crop, context, num_ctrl)
    if key not in _BASIS_CACHE:
        size = crop + 2 * context
        g = pixel_to_normalised(np.arange(size) - context, crop)
        yy, xx = np.meshgrid(g, g, indexing='ij')
        q = np.stack([xx, yy], -1).reshape(-1, 2)
        if len(_BASIS_CACHE) > 8:
            _BASIS_CACHE.clear()
        basis = tps_basis(q, tps_control_points(num_ctrl))
        _BASIS_CACHE[key] = (q, basis.astype(np.float32))
    return _BASIS_CACHE[key]


def tps_sampling_map(params: Sequence[Dict[str, Array]], crop: int = 96,
                     context: int = 0) -> Tuple[Array, Array]:
    """The ``cv2.remap`` maps of one warp or of a chain of warps.

    For ``params = [g1, g2, ...]`` the output is ``in(g1(g2(...(q))))``:
    the image warped by ``g1`` first, then by ``g2`` (one resampling).

    Args:
        params: one TPS parameter dict or a list of them.
        crop: crop side (defines the normalised frame).
        context: pixels beyond the crop on each side (the map extends).

    Returns:
        tuple of float32 (S, S) ``map_x``, ``map_y`` in image pixels,
        ``S = crop + 2 context``.
    """
    if isinstance(params, dict):
        params = [params]
    params = list(params)
    size = crop + 2 * context
    n = int(round(np.sqrt(len(params[-1]['ctrl']))))
    q, basis = _frame_grid(crop, context, n)
    if not np.allclose(params[-1]['ctrl'], tps_control_points(n)):
        basis = None
    q = tps_apply(q, params[-1], basis)
    for prm in reversed(params[:-1]):
        q = tps_apply(q, prm)
    pix = normalised_to_pixel(q, crop) + context
    pix = pix.reshape(size, size, 2).astype(np.float32)
    return pix[..., 0], pix[..., 1]


def tps_warp_image(img: Array, params, crop: int = 96, context: int = 0,
                   border: str = 'constant', border_value: float = 0.
                   ) -> Array:
    """Warp an image (crop + context on each side) by one or more TPS.

    Args:
        img: (S, S[, C]) image, ``S = crop + 2 context``.
        params: TPS parameters or a list (applied first to last).
        crop, context: frame (see :func:`tps_sampling_map`).
        border: ``'constant'``, ``'reflect'`` or ``'replicate'``.
        border_value: value for ``'constant'``.

    Returns:
        the warped image, same shape and dtype.
    """
    size = crop + 2 * context
    if img.shape[0] != size or img.shape[1] != size:
        raise ValueError(f'expected a {size}x{size} image (crop {crop} + '
                         f'context {context}), got {img.shape[:2]}')
    mx, my = tps_sampling_map(params, crop, context)
    ch = img.shape[2] if img.ndim == 3 else 1
    return cv2.remap(img, mx, my, cv2.INTER_LINEAR,
                     borderMode=_BORDERS[border],
                     borderValue=(border_value, ) * min(ch, 4))


def tps_warp_keypoints(keypoints: Array, params, crop: int = 96,
                       context: int = 0) -> Array:
    """Move crop-frame keypoints with the image warped by the TPS chain.

    Args:
        keypoints: (..., 2) keypoints in crop-frame pixels.
        params: TPS parameters or a list (as in :func:`tps_warp_image`).
        crop: crop side.
        context: context pixels of the warped image (widens the frame in
            which a preimage is preferred where the warp folds).

    Returns:
        (..., 2) float32 keypoints in the warped image's crop frame.
    """
    if isinstance(params, dict):
        params = [params]
    u = pixel_to_normalised(keypoints, crop)
    frame = 1. + 2. * context / (crop - 1)
    for prm in params:
        u = tps_invert_points(u, prm, frame=frame)
    return normalised_to_pixel(u, crop).astype(np.float32)


@TRANSFORMS.register_module()
class RandomTPSWarp(BaseTransform):
    """Random TPS warp of the crop (and its context) and its landmarks.

    Works after :class:`DVEFaceCrop`: warps ``img`` ((crop + 2 context)^2,
    ``context`` from the results) and updates ``transformed_keypoints``
    (crop frame). Defaults are DVE's training parameters *as DVE applies
    them*: its ``Warper`` multiplies every sd by ``im1_multiplier = 0.5``
    for each warp it draws (at full strength about a third of the warps
    fold over inside the crop).

    Args:
        warpsd_all, warpsd_subset, transsd, scalesd, rotsd: see
            :func:`sample_tps_params` (nominal DVE values).
        multiplier: scale of all five sds (DVE's ``im1_multiplier``).
        prob: probability of warping.
        crop: crop side (must match :class:`DVEFaceCrop`).
        border: ``'constant'`` (DVE's zeros), ``'reflect'``, ``'replicate'``.
        border_value: value for ``'constant'``.
        seed: own generator seed; ``None`` draws from numpy's global state
            (seeded per worker by mmengine).
    """

    def __init__(self, warpsd_all: float = 0.001,
                 warpsd_subset: float = 0.01, transsd: float = 0.1,
                 scalesd: float = 0.1, rotsd: float = 5.,
                 multiplier: float = 0.5, prob: float = 1.,
                 crop: int = 96, border: str = 'constant',
                 border_value: float = 0., seed: Optional[int] = None):
        if border not in _BORDERS:
            raise ValueError(f'border must be one of {list(_BORDERS)}, got '
                             f'{border!r}')
        self.sds = dict(warpsd_all=warpsd_all, warpsd_subset=warpsd_subset,
                        transsd=transsd, scalesd=scalesd, rotsd=rotsd)
        self.multiplier = multiplier
        self.prob = prob
        self.crop = crop
        self.border = border
        self.border_value = border_value
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def _generator(self) -> np.random.Generator:
        if self._rng is not None:
            return self._rng
        return np.random.default_rng(np.random.randint(0, 2 ** 31 - 1))

    def transform(self, results: Dict) -> Dict:
        rng = self._generator()
        if rng.uniform() >= self.prob:
            return results
        params = sample_tps_params(
            rng, **{k: v * self.multiplier for k, v in self.sds.items()})
        context = int(results.get('context', 0))
        results['img'] = tps_warp_image(results['img'], params, self.crop,
                                        context, self.border,
                                        self.border_value)
        if results.get('transformed_keypoints') is not None:
            results['transformed_keypoints'] = tps_warp_keypoints(
                results['transformed_keypoints'], params, self.crop, context)
        results['tps_params'] = params
        return results

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v}' for k, v in self.sds.items())
        return (f'{type(self).__name__}({args}, '
                f'multiplier={self.multiplier}, prob={self.prob})')
