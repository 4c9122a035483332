"""Cover-and-stride: a denser token map from shifted copies of the input.

SCE-MAE (paper Sec. 3.6) runs the backbone on copies of the input shifted by
multiples of the stride ``s`` and interleaves the ``(H/P, W/P)`` token maps
into one ``(H/s, W/s)`` map. Output cell ``(i, j)`` holds the descriptor of
the ``P x P`` patch whose top-left pixel is

    ``(i * s + s // 2 - P / 2, j * s + s // 2 - P / 2)``,

i.e. the patch centred on that cell. Writing ``i = a * r + k`` with
``r = P / s`` and ``0 <= k < r``, the patch is token ``a`` of the copy shifted
by ``d_k = k * s + s // 2 - P / 2`` pixels, so ``r * r`` shifted copies cover
every cell exactly once. Shifts lie in ``[s // 2 - P / 2, P / 2 - ceil(s/2)]``:
a margin of ``P / 2 - s // 2`` pixels around the image is enough. With
``s = P`` the only shift is 0 and the result is the plain token map.

Chunking: the ``B * (P/s)^2`` shifted copies form one batch on a GPU. On a
CPU one call on all of them is slower than a loop over the shifts
(``tools/benchmarks/bench_stage1.py``, DeiT-T, 8 images at stride 2: 1.24x
the per-image time of a plain forward, 0.78x the speed of the loop), so by
default (``chunk_size=None``) a CPU input is run in chunks of ``B`` copies,
the size of one shift's call (1.01x the loop's speed, 0.99x per image).
"""
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['cover_and_stride', 'shift_offsets', 'required_margin',
           'auto_chunk_size']

TokenMapFn = Callable[[Tensor], Tensor]


def _check_geometry(patch_size: int, stride: int) -> None:
    """Raise unless ``stride`` divides ``patch_size`` (and ``P`` is even)."""
    if patch_size < 1 or stride < 1 or patch_size % stride != 0:
        raise ValueError(
            f'{__file__}: cover_and_stride expects a stride that divides '
            f'the patch size, got patch_size={patch_size}, stride={stride}')
    if stride != patch_size and patch_size % 2 != 0:
        raise ValueError(
            f'{__file__}: cover_and_stride centres patches on cells and '
            f'needs an even patch size when stride < patch_size, got '
            f'patch_size={patch_size}')


def shift_offsets(patch_size: int, stride: int) -> Tensor:
    """Pixel shifts ``d_k = k * s + s // 2 - P / 2`` for ``k < P / s``.

    Returns:
        Tensor: (P/s,) int64, ascending; ``[0]`` when ``stride == P``.
    """
    _check_geometry(patch_size, stride)
    if stride == patch_size:
        return torch.zeros(1, dtype=torch.long)
    ratio = patch_size // stride
    return (torch.arange(ratio) * stride + stride // 2 - patch_size // 2)


def required_margin(patch_size: int, stride: int) -> int:
    """Pixels needed on each side of the image for the shifts (>= 0)."""
    offsets = shift_offsets(patch_size, stride)
    return int(offsets.abs().max())


def _shifted_windows(padded: Tensor, start: int, size: tuple, stride: int,
                     ratio: int) -> Tensor:
    """All ``ratio x ratio`` windows of ``size`` shifted by ``stride``.

    Args:
        padded: (B, 3, H + 2m, W + 2m) image with a margin.
        start: index (both axes) of the first window's top-left pixel.
        size: (H, W) of each window.

    Returns:
        Tensor: (B * ratio * ratio, 3, H, W), ordered (b, ky, kx).
    """
    h, w = size
    span_h = h + (ratio - 1) * stride
    span_w = w + (ratio - 1) * stride
    region = padded[:, :, start:start + span_h, start:start + span_w]
    # (B, 3, span_h, span_w) -> (B, 3, ratio, ratio, H, W)
    windows = region.unfold(2, h, stride).unfold(3, w, stride)
    b, c = padded.shape[:2]
    windows = windows.permute(0, 2, 3, 1, 4, 5)
    return windows.reshape(b * ratio * ratio, c, h, w)


def auto_chunk_size(batch: int, num_shifts: int,
                    device: torch.device) -> Optional[int]:
    """Default chunking of ``batch * num_shifts`` shifted copies.

    Returns:
        None (one call) on an accelerator; ``batch`` (the size of one
        shift's call, as a loop over the shifts) on a CPU.
    """
    if device.type != 'cpu' or num_shifts <= 1:
        return None
    return max(1, int(batch))


def _apply_chunked(fn: TokenMapFn, images: Tensor,
                   chunk_size: Optional[int]) -> Tensor:
    """``fn`` on ``images`` (N, 3, H, W), in chunks of ``chunk_size``."""
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f'{__file__}: chunk_size must be >= 1 or None, '
                         f'got {chunk_size}')
    if chunk_size is None or chunk_size >= images.shape[0]:
        return fn(images)
    return torch.cat([fn(part) for part in images.split(chunk_size)])


def cover_and_stride(fn: TokenMapFn,
                     images: Tensor,
                     patch_size: int,
                     stride: int,
                     margin: int = 0,
                     chunk_size: Optional[int] = None) -> Tensor:
    """Token map of stride ``stride`` from shifted calls of ``fn``.

    Args:
        fn: maps images (N, 3, H, W) to a token map (N, C, H/P, W/P); it is
            always called on images of the original size (H, W).
        images: (B, 3, H + 2 * margin, W + 2 * margin). With ``margin > 0``
            the images carry ``margin`` real pixels on each side of the
            (H, W) window (e.g. the 136-px context around a 96-px crop);
            with ``margin == 0`` shifted windows read reflect-padded pixels.
        patch_size: P, the token size of ``fn`` in pixels.
        stride: s, the output stride; must divide P.
        margin: real context pixels per side carried by ``images``.
        chunk_size: most images per call of ``fn``; None = the default
            of :func:`auto_chunk_size` (one call of all B * (P/s)^2 shifted
            copies on a GPU, calls of B copies on a CPU).

    Returns:
        Tensor: (B, C, H/s, W/s); cell (i, j) describes the P x P patch with
        top-left pixel (i*s + s//2 - P/2, j*s + s//2 - P/2) of the window.
    """
    if images.dim() != 4:
        raise ValueError(f'{__file__}: expected images (B, 3, H, W), got '
                         f'shape {tuple(images.shape)}')
    offsets = shift_offsets(patch_size, stride)
    need = int(offsets.abs().max())
    if margin < 0:
        raise ValueError(f'{__file__}: margin must be >= 0, got {margin}')
    if margin > 0 and margin < need:
        raise ValueError(
            f'{__file__}: images carry a margin of {margin} px but stride '
            f'{stride} with patch {patch_size} needs {need} px on each side '
            f'(use a larger context or margin=0 to reflect-pad)')
    height = images.shape[-2] - 2 * margin
    width = images.shape[-1] - 2 * margin
    if height <= 0 or width <= 0 or height % patch_size or width % patch_size:
        raise ValueError(
            f'{__file__}: window {height}x{width} (input '
            f'{tuple(images.shape[-2:])} minus margin {margin}) must be a '
            f'positive multiple of the patch size {patch_size}')
    padded = images
    if margin == 0 and need > 0:
        padded = F.pad(images, (need, ) * 4, mode='reflect')
        margin = need
    ratio = offsets.numel()
    start = margin + int(offsets[0])
    windows = _shifted_windows(padded, start, (height, width), stride, ratio)
    if chunk_size is None:
        chunk_size = auto_chunk_size(images.shape[0], ratio * ratio,
                                     images.device)
    tokens = _apply_chunked(fn, windows, chunk_size)
    grid_h, grid_w = height // patch_size, width // patch_size
    if tokens.dim() != 4 or tokens.shape[-2:] != (grid_h, grid_w):
        raise ValueError(
            f'{__file__}: fn must map (N, 3, {height}, {width}) to '
            f'(N, C, {grid_h}, {grid_w}), got {tuple(tokens.shape)}')
    batch, channels = images.shape[0], tokens.shape[1]
    # (B, ky, kx, C, a, b) -> (B, C, a, ky, b, kx): cell (a*r+ky, b*r+kx)
    tokens = tokens.reshape(batch, ratio, ratio, channels, grid_h, grid_w)
    tokens = tokens.permute(0, 3, 4, 1, 5, 2)
    return tokens.reshape(batch, channels, grid_h * ratio, grid_w * ratio)
