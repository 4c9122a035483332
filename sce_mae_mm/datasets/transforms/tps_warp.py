"""Thin-plate-spline warps with DVE's parameterisation (SPEC section 4).

The project's one TPS, in torch and batched: the matching pairs, the
``RandomTPSWarp`` augmentation (data pipeline, numpy images on the CPU) and
LEAD's warped second view (``DenseStage2``, tensors on the model's device)
all call it.

A 10x10 grid of control points ``c_k`` on [-1, 1]^2, radial basis
``U(r) = r^2 log r^2`` (DVE: ``D log(D + 1e-5)`` with ``D = r^2``). A warp is
the *sampling* map (inverse warp) of normalised output coordinates ``q``::

    T(q) = sum_k U(|q - c_k|) w_k + t + q A,    A = s [[cos, -sin],
                                                       [sin,  cos]]

with non-linear weights ``w_k ~ N(0, warpsd_all)`` (a random half of them
``~ N(0, warpsd_subset)``), rotation ``~ N(0, rotsd)`` degrees, scale
``1 + N(0, scalesd)`` and translation ``N(0, transsd)`` in normalised units,
every sd times ``multiplier`` (DVE's ``Warper`` draws each training warp
at ``im1_multiplier = 0.5`` of the sds it is given).

Normalised coordinates live on the ``crop``-pixel frame: pixel ``x``
(0..crop-1) is ``u = 2 x / (crop - 1) - 1`` (DVE's ``linspace(-1, 1)``
grid). With ``context`` pixels around the crop the same map simply extends
beyond [-1, 1]. The warped image is ``out(q) = in(T(q))``; a landmark at
``p`` moves to the ``q`` that solves ``T(q) = p``, found by damped Newton
iterations on the analytic Jacobian (sub-pixel exact).

Parameters are dicts ``ctrl`` (C, 2), ``weights`` ([B,] C, 2), ``affine``
([B,] 3, 2) (rows ``[t; A]``): numpy arrays (one warp, the data pipeline;
functions then return numpy) or tensors, with a leading batch dimension B
for B warps at once. Numpy images are resampled by ``cv2.remap``, tensors
(B, C, S, S) by ``F.grid_sample``.
"""
import math
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

Array = np.ndarray
Params = Dict[str, Union[Array, Tensor]]

_EPS = 1e-5  # DVE's log offset
BORDERS = dict(constant=cv2.BORDER_CONSTANT,
                reflect=cv2.BORDER_REFLECT_101,
                replicate=cv2.BORDER_REPLICATE)
_GRID_PADDING = dict(constant='zeros', reflect='reflection',
                     replicate='border')
SD_NAMES = ('warpsd_all', 'warpsd_subset', 'transsd', 'scalesd', 'rotsd')


# ------------------------------------------------------------ parameters
def tps_control_points(num: int = 10) -> Array:
    """(num * num, 2) control points (x, y) on [-1, 1]^2, x fastest."""
    g = np.linspace(-1., 1., num)
    yy, xx = np.meshgrid(g, g, indexing='ij')
    return np.stack([xx.reshape(-1), yy.reshape(-1)], 1)


def _numpy_draw(rng: np.random.Generator, n: int, sds: Sequence[float]
                ) -> Tuple[Array, Array]:
    """One warp from a numpy generator (the stream of every pipeline warp
    so far): weights (n, 2), affine (3, 2)."""
    warpsd_all, warpsd_subset, transsd, scalesd, rotsd = sds
    w = rng.normal(0., 1., (n, 2)) * warpsd_all
    subset = rng.uniform(size=(n, 2)) > 0.5
    w[subset] = rng.normal(0., 1., int(subset.sum())) * warpsd_subset
    rot = rng.normal() * rotsd * np.pi / 180.
    sc = 1. + rng.normal() * scalesd
    tx, ty = rng.normal(0., 1., 2) * transsd
    c, s = sc * np.cos(rot), sc * np.sin(rot)
    return w, np.array([[tx, ty], [c, -s], [s, c]])


def _torch_draw(gen: Optional[torch.Generator], batch: int, n: int,
                sds: Sequence[float], device) -> Tuple[Tensor, Tensor]:
    """B warps from torch's generator: weights (B, n, 2), affine (B, 3, 2)."""
    warpsd_all, warpsd_subset, transsd, scalesd, rotsd = sds
    kw = dict(generator=gen, device=device)
    w = torch.randn(batch, n, 2, **kw) * warpsd_all
    subset = torch.rand(batch, n, 2, **kw) > 0.5
    w = torch.where(subset, torch.randn(batch, n, 2, **kw) * warpsd_subset,
                    w)
    rot = torch.randn(batch, **kw) * rotsd * math.pi / 180.
    scale = 1. + torch.randn(batch, **kw) * scalesd
    trans = torch.randn(batch, 2, **kw) * transsd
    cos, sin = scale * rot.cos(), scale * rot.sin()
    affine = torch.stack([trans, torch.stack([cos, -sin], -1),
                          torch.stack([sin, cos], -1)], dim=1)
    return w, affine


def sample_tps_params(generator: Union[np.random.Generator, torch.Generator,
                                       None] = None,
                      warpsd_all: float = 0.001,
                      warpsd_subset: float = 0.01,
                      transsd: float = 0.1,
                      scalesd: float = 0.1,
                      rotsd: float = 5.,
                      num_ctrl: int = 10,
                      *,
                      multiplier: float = 1.,
                      batch: Optional[int] = None,
                      device: Optional[torch.device] = None) -> Params:
    """Draw random TPS warps (DVE's ``random_tps_weights``).

    Args:
        generator: a numpy ``Generator`` (numpy parameters, the data
            pipeline's reproducible pairs), a ``torch.Generator`` or None
            (torch's global generator; tensors on ``device``).
        warpsd_all, warpsd_subset: sds of the non-linear weights (all /
            a random half).
        transsd, scalesd, rotsd: sds of the translation (normalised
            units), of the scale around 1 and of the rotation (degrees).
        num_ctrl: control points per side.
        multiplier: scale of all five sds (DVE's ``im1_multiplier``).
        batch: number of warps B (parameters gain a leading B); None: one
            warp without the batch dimension.
        device: device of tensor parameters.

    Returns:
        dict: ``ctrl`` (C, 2), ``weights`` ([B,] C, 2), ``affine``
        ([B,] 3, 2) rows ``[t; A]`` (``T(q) = U w + t + q A``).
    """
    sds = [v * multiplier for v in (warpsd_all, warpsd_subset, transsd,
                                    scalesd, rotsd)]
    n = num_ctrl * num_ctrl
    ctrl = tps_control_points(num_ctrl)
    if isinstance(generator, np.random.Generator):
        draws = [_numpy_draw(generator, n, sds) for _ in range(batch or 1)]
        w, affine = (np.stack(d) for d in zip(*draws))
        if batch is None:
            w, affine = w[0], affine[0]
        return dict(ctrl=ctrl, weights=w, affine=affine)
    w, affine = _torch_draw(generator, batch or 1, n, sds, device)
    if batch is None:
        w, affine = w[0], affine[0]
    return dict(ctrl=torch.as_tensor(ctrl, dtype=w.dtype, device=w.device),
                weights=w, affine=affine)


def identity_tps_params(num_ctrl: int = 10) -> Dict[str, Array]:
    """The identity warp (zero weights, identity affine part)."""
    return dict(ctrl=tps_control_points(num_ctrl),
                weights=np.zeros((num_ctrl * num_ctrl, 2)),
                affine=np.array([[0., 0.], [1., 0.], [0., 1.]]))


# ------------------------------------------------ numpy / tensor handling
class _Params:
    """Parameters as batched tensors: ``ctrl`` (C, 2), ``w`` (B, C, 2),
    ``affine`` (B, 3, 2); ``batched`` says whether the caller's were."""

    def __init__(self, params: Params, like: Optional[Tensor] = None):
        dtype = torch.float64 if like is None else like.dtype
        device = None if like is None else like.device
        if isinstance(params['weights'], Tensor):
            dtype = params['weights'].dtype if like is None else dtype
            device = params['weights'].device if like is None else device

        def get(key):
            return torch.as_tensor(params[key], dtype=dtype, device=device)

        self.ctrl, self.w, self.affine = (get('ctrl'), get('weights'),
                                          get('affine'))
        self.batched = self.w.dim() == 3
        if not self.batched:
            self.w, self.affine = self.w[None], self.affine[None]


def _to_tensor(x, dtype=torch.float64) -> Tuple[Tensor, Callable]:
    """``x`` as a tensor and the function that gives results back in the
    caller's kind (numpy in, numpy out)."""
    if isinstance(x, Tensor):
        return x, lambda t: t
    return (torch.as_tensor(np.asarray(x, np.float64), dtype=dtype),
            lambda t: t.detach().cpu().numpy())


def _points(q: Tensor, prm: _Params) -> Tensor:
    """Points as (B, P, 2): one warp takes (..., 2), B warps (B, ..., 2)
    or (..., 2) shared by all."""
    if prm.batched and q.dim() >= 3 and q.shape[0] == prm.w.shape[0]:
        return q.reshape(q.shape[0], -1, 2)
    return q.reshape(1, -1, 2).expand(prm.w.shape[0], -1, -1)


def _out_shape(q: Tensor, prm: _Params) -> Tuple[int, ...]:
    if prm.batched and not (q.dim() >= 3 and q.shape[0] == prm.w.shape[0]):
        return (prm.w.shape[0], ) + tuple(q.shape)
    return tuple(q.shape)


# ---------------------------------------------------------------- the map
def _sq_dist(points: Tensor, ctrl: Tensor) -> Tensor:
    """(..., P, C) squared distances, via one matrix product."""
    d = ((points ** 2).sum(-1)[..., None] + (ctrl ** 2).sum(-1)
         - 2. * points @ ctrl.T)
    return d.clamp_min(0.)


def tps_basis(points, ctrl):
    """(..., P, C) radial basis ``U = D log(D + 1e-5)``, ``D`` squared
    distance of (..., P, 2) points to (C, 2) control points."""
    q, back = _to_tensor(points)
    d = _sq_dist(q, torch.as_tensor(ctrl, dtype=q.dtype, device=q.device))
    return back(d * torch.log(d + _EPS))


def _apply(q: Tensor, prm: _Params, basis: Optional[Tensor] = None
           ) -> Tensor:
    """``T(q)`` of (B, P, 2) points; ``basis`` ([B or 1], P, C) may be
    precomputed (and of lower precision: the sum is in its dtype)."""
    if basis is None:
        d = _sq_dist(q, prm.ctrl)
        basis = d * torch.log(d + _EPS)
    nonlinear = torch.matmul(basis, prm.w.to(basis.dtype))
    return nonlinear + prm.affine[:, :1] + q @ prm.affine[:, 1:]


def tps_apply(points, params: Params, basis=None):
    """Evaluate the sampling map ``T`` at normalised points.

    Args:
        points: (..., 2) normalised coordinates ``q`` (B warps: (B, ..., 2)
            or (..., 2) for all).
        params: from :func:`sample_tps_params`.
        basis: precomputed :func:`tps_basis` of the flattened points.

    Returns:
        ``T(q)``, the shape of ``points`` ((B, ...) for B warps on shared
        points), numpy for numpy points.
    """
    q, back = _to_tensor(points)
    prm = _Params(params, q)
    if basis is not None:
        basis = torch.as_tensor(basis, device=q.device)
    return back(_apply(_points(q, prm), prm, basis).reshape(
        _out_shape(q, prm)))


def _jacobian(q: Tensor, prm: _Params) -> Tensor:
    """(B, P, 2, 2) ``J[b, p, i, j] = dT_i / dq_j``."""
    d = _sq_dist(q, prm.ctrl)
    g = 2. * (torch.log(d + _EPS) + d / (d + _EPS))  # 2 dU / dD
    gw = g @ prm.w  # (B, P, 2): sum_k g_k w_ki
    jac = q[..., None, :] * gw[..., :, None] - torch.einsum(
        'bpk,kj,bki->bpij', g, prm.ctrl, prm.w)
    return jac + prm.affine[:, None, 1:].transpose(-1, -2)


def tps_jacobian(points, params: Params):
    """Jacobian ``dT_i / dq_j`` of the sampling map at (P, 2) points:
    (P, 2, 2) (B warps: (B, P, 2, 2))."""
    q, back = _to_tensor(points)
    prm = _Params(params, q)
    jac = _jacobian(_points(q, prm), prm)
    return back(jac if prm.batched else jac[0])


# ------------------------------------------------------------ the inverse
def _nearest_on_grid(target: Tensor, prm: _Params, lim: float,
                     num: int) -> Tensor:
    """For each target, the grid point (on [-lim, lim]^2) whose sampling
    location is nearest (DVE's nearest-grid-point rule)."""
    g = torch.linspace(-lim, lim, num, dtype=target.dtype,
                       device=target.device)
    yy, xx = torch.meshgrid(g, g, indexing='ij')
    grid = torch.stack([xx.reshape(-1), yy.reshape(-1)], -1)
    tg = _apply(grid.expand(prm.w.shape[0], -1, -1), prm)
    near = ((target[:, :, None] - tg[:, None]) ** 2).sum(-1).argmin(-1)
    return grid[near]


def _newton(q: Tensor, target: Tensor, prm: _Params, iters: int,
            tol: float) -> Tuple[Tensor, Tensor]:
    """Damped Newton on ``T(q) = target``; returns ``q`` and squared
    residuals, (B, P, 2) and (B, P)."""
    q = q.clone()
    r = _apply(q, prm) - target
    err = (r ** 2).sum(-1)
    for _ in range(iters):
        if float(err.max()) < tol:
            break
        jac = _jacobian(q, prm)
        ok = torch.linalg.det(jac).abs() > 1e-12
        step = torch.zeros_like(q)
        step[ok] = torch.linalg.solve(jac[ok], r[ok][..., None])[..., 0]
        alpha = torch.ones_like(err)
        for _ in range(30):
            qn = q - alpha[..., None] * step
            rn = _apply(qn, prm) - target
            errn = (rn ** 2).sum(-1)
            worse = errn > err
            if not bool(worse.any()):
                break
            alpha[worse] *= 0.5
        better = (errn <= err)[..., None]
        q, r = torch.where(better, qn, q), torch.where(better, rn, r)
        err = torch.minimum(errn, err)
    return q, err


def _invert(target: Tensor, prm: _Params, iters: int, tol: float,
            frame: float) -> Tensor:
    """(B, P, 2) preimages (see :func:`tps_invert_points`)."""
    q, err = _newton(_nearest_on_grid(target, prm, 1.02 * frame, 49),
                     target, prm, iters, tol)
    bad = err > 1e-16
    if bool(bad.any()):
        qw, errw = _newton(_nearest_on_grid(target, prm, 4., 97), target,
                           prm, iters, tol)
        take = bad & (errw < err)
        q = torch.where(take[..., None], qw, q)
    return q


def tps_invert_points(targets, params: Params, iters: int = 50,
                      tol: float = 1e-20, frame: float = 1.0):
    """Solve ``T(q) = p`` for ``q`` (forward-map points through the warp).

    Starts, like DVE, from the point of a grid over the output frame whose
    sampling location is nearest to ``p``, then refines it to sub-pixel
    accuracy with damped Newton iterations on the analytic Jacobian. Points
    whose preimage lies outside the frame are retried from a wide grid.
    Where the warp folds (rare with DVE's strengths) the preimage seen in
    the frame is preferred.

    Args:
        targets: (..., 2) normalised source coordinates ``p`` (B warps:
            (B, ..., 2)).
        params: TPS parameters.
        iters: maximum Newton iterations.
        tol: stop when every squared residual is below ``tol``.
        frame: half-size of the output frame in normalised units (1 for
            the crop; larger with context).

    Returns:
        (..., 2) normalised output coordinates ``q``.
    """
    p, back = _to_tensor(targets)
    if p.numel() == 0:
        return back(p.clone())
    prm = _Params(params, p)
    q = _invert(_points(p, prm), prm, iters, tol, frame)
    return back(q.reshape(_out_shape(p, prm)))


# ---------------------------------------------------------- frames, images
def pixel_to_normalised(x, crop: int = 96):
    """Crop-frame pixels -> normalised coordinates (``-1`` .. ``1``)."""
    if isinstance(x, Tensor):
        return 2. * x / (crop - 1) - 1.
    return 2. * np.asarray(x, np.float64) / (crop - 1) - 1.


def normalised_to_pixel(u, crop: int = 96):
    """Normalised coordinates -> crop-frame pixels."""
    if isinstance(u, Tensor):
        return (u + 1.) * (crop - 1) / 2.
    return (np.asarray(u, np.float64) + 1.) * (crop - 1) / 2.


_BASIS_CACHE: Dict[tuple, Tuple[Tensor, Tensor]] = {}


def _frame_grid(crop: int, context: int, num_ctrl: int, device=None
                ) -> Tuple[Tensor, Tensor]:
    """Normalised output-pixel grid (S*S, 2) float64 of a frame and its
    TPS basis (S*S, C) float32 (cached per frame and device)."""
    key = (crop, context, num_ctrl, str(device))
    if key not in _BASIS_CACHE:
        size = crop + 2 * context
        g = pixel_to_normalised(torch.arange(size, dtype=torch.float64,
                                             device=device) - context, crop)
        yy, xx = torch.meshgrid(g, g, indexing='ij')
        q = torch.stack([xx, yy], -1).reshape(-1, 2)
        ctrl = torch.as_tensor(tps_control_points(num_ctrl), device=device)
        d = _sq_dist(q, ctrl)
        if len(_BASIS_CACHE) > 8:
            _BASIS_CACHE.clear()
        _BASIS_CACHE[key] = (q, (d * torch.log(d + _EPS)).float())
    return _BASIS_CACHE[key]


def _chain(params) -> List[Params]:
    return [params] if isinstance(params, dict) else list(params)


def tps_sampling_grid(params, crop: int = 96, context: int = 0) -> Tensor:
    """The sampling map of one warp or of a chain of warps, in pixels.

    For ``params = [g1, g2, ...]`` the output is ``in(g1(g2(...(q))))``:
    the image warped by ``g1`` first, then by ``g2`` (one resampling).

    Args:
        params: one TPS parameter dict or a list of them.
        crop: crop side (defines the normalised frame).
        context: pixels beyond the crop on each side (the map extends).

    Returns:
        Tensor: float64 (B, S, S, 2) pixel (x, y) sampling locations,
        ``S = crop + 2 context``, on the parameters' device (numpy
        parameters: the CPU, B = 1).
    """
    chain = _chain(params)
    size = crop + 2 * context
    last = chain[-1]
    device = last['weights'].device if isinstance(last['weights'],
                                                  Tensor) else None
    prm = _Params(last, torch.empty(0, dtype=torch.float64, device=device))
    n = int(round(math.sqrt(prm.ctrl.shape[0])))
    q, basis = _frame_grid(crop, context, n, device)
    if not torch.allclose(prm.ctrl, _frame_grid_ctrl(n, device)):
        basis = None
    q = _apply(q.expand(prm.w.shape[0], -1, -1), prm, basis)
    for earlier in reversed(chain[:-1]):
        prm = _Params(earlier, q)
        q = _apply(q, prm)
    pix = normalised_to_pixel(q, crop) + context
    return pix.reshape(-1, size, size, 2)


def _frame_grid_ctrl(n: int, device) -> Tensor:
    return torch.as_tensor(tps_control_points(n), device=device)


def tps_sampling_map(params, crop: int = 96, context: int = 0
                     ) -> Tuple[Array, Array]:
    """The ``cv2.remap`` maps of one warp or of a chain of warps.

    Returns:
        tuple of float32 (S, S) ``map_x``, ``map_y`` in image pixels (see
        :func:`tps_sampling_grid`).
    """
    pix = tps_sampling_grid(params, crop, context)[0].float().cpu().numpy()
    return pix[..., 0], pix[..., 1]


def tps_warp_image(img, params, crop: int = 96, context: int = 0,
                   border: str = 'constant', border_value: float = 0.):
    """Warp images (crop + context on each side) by one or more TPS.

    Args:
        img: one (S, S[, C]) numpy image (``cv2.remap``), or a (B, C, S, S)
            tensor (``F.grid_sample``, bilinear, B warps or one for all;
            ``'constant'`` pads with 0), ``S = crop + 2 context``.
        params: TPS parameters or a list (applied first to last).
        crop, context: frame (see :func:`tps_sampling_grid`).
        border: ``'constant'``, ``'reflect'`` or ``'replicate'``.
        border_value: value for ``'constant'`` (numpy images).

    Returns:
        the warped image(s), same shape and dtype.
    """
    size = crop + 2 * context
    shape = img.shape[-2:] if isinstance(img, Tensor) else img.shape[:2]
    if tuple(shape) != (size, size):
        raise ValueError(f'expected a {size}x{size} image (crop {crop} + '
                         f'context {context}), got {tuple(shape)}')
    if border not in BORDERS:
        raise ValueError(f'border must be one of {list(BORDERS)}, got '
                         f'{border!r}')
    if isinstance(img, Tensor):
        pix = tps_sampling_grid(params, crop, context)
        grid = 2. * pix / (size - 1) - 1.
        grid = grid.expand(img.shape[0], -1, -1, -1).to(img.dtype)
        return F.grid_sample(img, grid, mode='bilinear',
                             padding_mode=_GRID_PADDING[border],
                             align_corners=True)
    mx, my = tps_sampling_map(params, crop, context)
    ch = img.shape[2] if img.ndim == 3 else 1
    return cv2.remap(img, mx, my, cv2.INTER_LINEAR,
                     borderMode=BORDERS[border],
                     borderValue=(border_value, ) * min(ch, 4))


def tps_warp_keypoints(keypoints, params, crop: int = 96,
                       context: int = 0):
    """Move crop-frame keypoints with the image warped by the TPS chain.

    Args:
        keypoints: (..., 2) keypoints in crop-frame pixels (B warps:
            (B, ..., 2)).
        params: TPS parameters or a list (as in :func:`tps_warp_image`).
        crop: crop side.
        context: context pixels of the warped image (widens the frame in
            which a preimage is preferred where the warp folds).

    Returns:
        (..., 2) keypoints in the warped image's crop frame (float32 for
        numpy keypoints).
    """
    u, back = _to_tensor(keypoints)
    u = pixel_to_normalised(u, crop)
    frame = 1. + 2. * context / (crop - 1)
    for prm in _chain(params):
        u = tps_invert_points(u, prm, frame=frame)
    out = back(normalised_to_pixel(u, crop))
    return out.astype(np.float32) if isinstance(out, np.ndarray) else out
