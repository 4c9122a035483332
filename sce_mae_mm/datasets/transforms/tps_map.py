"""The TPS sampling map with DVE's parameterisation (SPEC section 4).

Parameters, the map ``T``, its Jacobian and its inverse, in torch and
batched; :mod:`.tps_warp` warps images and keypoints with it (see there
for the parameterisation and the frames).

Parameters are dicts ``ctrl`` (C, 2), ``weights`` ([B,] C, 2), ``affine``
([B,] 3, 2) (rows ``[t; A]``): numpy arrays (one warp, the data pipeline;
functions then return numpy) or tensors, with a leading batch dimension B
for B warps at once.
"""
import math
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor

Array = np.ndarray
Params = Dict[str, Union[Array, Tensor]]

EPS = 1e-5  # DVE's log offset
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
class TPSParams:
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


def to_tensor(x, dtype=torch.float64) -> Tuple[Tensor, Callable]:
    """``x`` as a tensor and the function that gives results back in the
    caller's kind (numpy in, numpy out)."""
    if isinstance(x, Tensor):
        return x, lambda t: t
    return (torch.as_tensor(np.asarray(x, np.float64), dtype=dtype),
            lambda t: t.detach().cpu().numpy())


def _points(q: Tensor, prm: TPSParams) -> Tensor:
    """Points as (B, P, 2): one warp takes (..., 2), B warps (B, ..., 2)
    or (..., 2) shared by all."""
    if prm.batched and q.dim() >= 3 and q.shape[0] == prm.w.shape[0]:
        return q.reshape(q.shape[0], -1, 2)
    return q.reshape(1, -1, 2).expand(prm.w.shape[0], -1, -1)


def _out_shape(q: Tensor, prm: TPSParams) -> Tuple[int, ...]:
    if prm.batched and not (q.dim() >= 3 and q.shape[0] == prm.w.shape[0]):
        return (prm.w.shape[0], ) + tuple(q.shape)
    return tuple(q.shape)


# ---------------------------------------------------------------- the map
def squared_distances(points: Tensor, ctrl: Tensor) -> Tensor:
    """(..., P, C) squared distances, via one matrix product."""
    d = ((points ** 2).sum(-1)[..., None] + (ctrl ** 2).sum(-1)
         - 2. * points @ ctrl.T)
    return d.clamp_min(0.)


def tps_basis(points, ctrl):
    """(..., P, C) radial basis ``U = D log(D + 1e-5)``, ``D`` squared
    distance of (..., P, 2) points to (C, 2) control points."""
    q, back = to_tensor(points)
    ctrl = torch.as_tensor(ctrl, dtype=q.dtype, device=q.device)
    d = squared_distances(q, ctrl)
    return back(d * torch.log(d + EPS))


def apply_map(q: Tensor, prm: TPSParams,
              basis: Optional[Tensor] = None) -> Tensor:
    """``T(q)`` of (B, P, 2) points; ``basis`` ([B or 1], P, C) may be
    precomputed (and of lower precision: the sum is in its dtype)."""
    if basis is None:
        d = squared_distances(q, prm.ctrl)
        basis = d * torch.log(d + EPS)
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
    q, back = to_tensor(points)
    prm = TPSParams(params, q)
    if basis is not None:
        basis = torch.as_tensor(basis, device=q.device)
    return back(apply_map(_points(q, prm), prm, basis).reshape(
        _out_shape(q, prm)))


def _jacobian(q: Tensor, prm: TPSParams) -> Tensor:
    """(B, P, 2, 2) ``J[b, p, i, j] = dT_i / dq_j``."""
    d = squared_distances(q, prm.ctrl)
    g = 2. * (torch.log(d + EPS) + d / (d + EPS))  # 2 dU / dD
    gw = g @ prm.w  # (B, P, 2): sum_k g_k w_ki
    jac = q[..., None, :] * gw[..., :, None] - torch.einsum(
        'bpk,kj,bki->bpij', g, prm.ctrl, prm.w)
    return jac + prm.affine[:, None, 1:].transpose(-1, -2)


def tps_jacobian(points, params: Params):
    """Jacobian ``dT_i / dq_j`` of the sampling map at (P, 2) points:
    (P, 2, 2) (B warps: (B, P, 2, 2))."""
    q, back = to_tensor(points)
    prm = TPSParams(params, q)
    jac = _jacobian(_points(q, prm), prm)
    return back(jac if prm.batched else jac[0])


# ------------------------------------------------------------ the inverse
def _nearest_on_grid(target: Tensor, prm: TPSParams, lim: float,
                     num: int) -> Tensor:
    """For each target, the grid point (on [-lim, lim]^2) whose sampling
    location is nearest (DVE's nearest-grid-point rule)."""
    g = torch.linspace(-lim, lim, num, dtype=target.dtype,
                       device=target.device)
    yy, xx = torch.meshgrid(g, g, indexing='ij')
    grid = torch.stack([xx.reshape(-1), yy.reshape(-1)], -1)
    tg = apply_map(grid.expand(prm.w.shape[0], -1, -1), prm)
    near = ((target[:, :, None] - tg[:, None]) ** 2).sum(-1).argmin(-1)
    return grid[near]


def _newton(q: Tensor, target: Tensor, prm: TPSParams, iters: int,
            tol: float) -> Tuple[Tensor, Tensor]:
    """Damped Newton on ``T(q) = target``; returns ``q`` and squared
    residuals, (B, P, 2) and (B, P)."""
    q = q.clone()
    r = apply_map(q, prm) - target
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
            rn = apply_map(qn, prm) - target
            errn = (rn ** 2).sum(-1)
            worse = errn > err
            if not bool(worse.any()):
                break
            alpha[worse] *= 0.5
        better = (errn <= err)[..., None]
        q, r = torch.where(better, qn, q), torch.where(better, rn, r)
        err = torch.minimum(errn, err)
    return q, err


def _invert(target: Tensor, prm: TPSParams, iters: int, tol: float,
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
    p, back = to_tensor(targets)
    if p.numel() == 0:
        return back(p.clone())
    prm = TPSParams(params, p)
    q = _invert(_points(p, prm), prm, iters, tol, frame)
    return back(q.reshape(_out_shape(p, prm)))
