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
from typing import Dict, List, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

# the map's public API is importable from here too (noqa: re-exports)
from .tps_map import (EPS, SD_NAMES, Array, Params, TPSParams,  # noqa: F401
                      apply_map, identity_tps_params, sample_tps_params,
                      squared_distances, to_tensor, tps_apply, tps_basis,
                      tps_control_points, tps_invert_points, tps_jacobian)

BORDERS = dict(constant=cv2.BORDER_CONSTANT,
               reflect=cv2.BORDER_REFLECT_101,
               replicate=cv2.BORDER_REPLICATE)
_GRID_PADDING = dict(constant='zeros', reflect='reflection',
                     replicate='border')


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
        d = squared_distances(q, ctrl)
        if len(_BASIS_CACHE) > 8:
            _BASIS_CACHE.clear()
        _BASIS_CACHE[key] = (q, (d * torch.log(d + EPS)).float())
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
    prm = TPSParams(last, torch.empty(0, dtype=torch.float64, device=device))
    n = int(round(math.sqrt(prm.ctrl.shape[0])))
    q, basis = _frame_grid(crop, context, n, device)
    if not torch.allclose(prm.ctrl, _frame_grid_ctrl(n, device)):
        basis = None
    q = apply_map(q.expand(prm.w.shape[0], -1, -1), prm, basis)
    for earlier in reversed(chain[:-1]):
        prm = TPSParams(earlier, q)
        q = apply_map(q, prm)
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
    u, back = to_tensor(keypoints)
    u = pixel_to_normalised(u, crop)
    frame = 1. + 2. * context / (crop - 1)
    for prm in _chain(params):
        u = tps_invert_points(u, prm, frame=frame)
    out = back(normalised_to_pixel(u, crop))
    return out.astype(np.float32) if isinstance(out, np.ndarray) else out
