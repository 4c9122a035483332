"""Dense landmark matching (SPEC §4, paper Table 1).

Default rule (``argmax='pixel'``, ``similarity='cosine'``): each source
landmark takes its descriptor from the source feature map bilinearly
upsampled to the image; the prediction is the target pixel whose descriptor
has the highest cosine similarity with it. DVE's rule (``protocol='dve'``:
``argmax='grid'``, ``similarity='dot'``, see :mod:`.matching_rules`) takes
the descriptor of the rounded source cell and the argmax of the raw dot
product over the target grid cells, predicting at cell index x stride.

Coordinate convention: (x, y) pixel coordinates, pixel ``i`` has its centre at
``i`` (mmpose's convention). Feature maps cover the image exactly
(``align_corners=False``), so the upsampled map has one descriptor per pixel.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from ...dtypes import at_least_float32, check_floating, check_points
from .matching_rules import resolve_matching_rule

__all__ = [
    'upsample_features', 'sample_descriptors', 'grid_strides',
    'match_landmarks'
]

_WHERE = '{}'


def upsample_features(feats: Tensor, image_size: Tuple[int, int]) -> Tensor:
    """Bilinearly upsample feature maps to the image size.

    Args:
        feats (Tensor): (B, C, h, w) feature maps.
        image_size (tuple[int, int]): (H, W) of the image.

    Returns:
        Tensor: (B, C, H, W), ``align_corners=False``.
    """
    if tuple(feats.shape[-2:]) == tuple(image_size):
        return feats
    return F.interpolate(
        feats, size=tuple(image_size), mode='bilinear', align_corners=False)


def sample_descriptors(dense: Tensor, kpts: Tensor) -> Tensor:
    """Bilinearly sample per-pixel descriptors at sub-pixel locations.

    Integer locations return the pixel's descriptor exactly. Locations outside
    the image take the border value. The sampling runs in ``dense``'s dtype,
    float16 / bfloat16 upcast to float32 (a bf16 sampling grid is off by up
    to 0.4 px at 96 px); the keypoints (any floating or integer dtype, any
    device) are cast to it.

    Args:
        dense (Tensor): (B, C, H, W) per-pixel descriptors, float64, float32,
            float16 or bfloat16.
        kpts (Tensor): (B, K, 2) (x, y) pixel coordinates, floating or
            integer.

    Returns:
        Tensor: (B, K, C) descriptors in ``dense``'s dtype and device.
    """
    where = _WHERE.format('sample_descriptors')
    check_floating(dense, 'dense', where)
    check_points(kpts, 'kpts', where)
    work = at_least_float32(dense)
    h, w = dense.shape[-2:]
    pts = kpts.to(device=work.device, dtype=work.dtype)
    size = torch.tensor([w, h], dtype=work.dtype, device=work.device)
    grid = (2 * pts + 1) / size - 1  # align_corners=False
    out = F.grid_sample(
        work,
        grid[:, :, None],
        mode='bilinear',
        padding_mode='border',
        align_corners=False)  # (B, C, K, 1)
    return out[..., 0].transpose(1, 2).to(dense.dtype)


def _similarity(desc: Tensor, tgt: Tensor, similarity: str) -> Tensor:
    """Scores of source descriptors against flattened target descriptors.

    Args:
        desc (Tensor): (b, K, C) source descriptors.
        tgt (Tensor): (b, C, N) target descriptors (N pixels or cells).
        similarity (str): ``'cosine'`` or ``'dot'``.

    Returns:
        Tensor: (b, K, N).
    """
    if similarity == 'cosine':
        desc, tgt = F.normalize(desc, dim=-1), F.normalize(tgt, dim=1)
    return torch.bmm(desc, tgt)


def _match_pixel(src_feats: Tensor, tgt_feats: Tensor, src_kpts: Tensor,
                 image_size: Tuple[int, int], similarity: str) -> Tensor:
    """Argmax over the upsampled target's pixels; (b, K, 2) pixels."""
    src_dense = upsample_features(src_feats, image_size)
    desc = sample_descriptors(src_dense, src_kpts)
    tgt = upsample_features(tgt_feats, image_size).flatten(2)
    idx = _similarity(desc, tgt, similarity).argmax(dim=-1)
    w = image_size[1]
    return torch.stack([idx % w, idx // w], dim=-1).to(src_kpts.dtype)


def grid_strides(feats: Tensor, image_size: Tuple[int, int]) -> Tuple[float,
                                                                      float]:
    """(x, y) strides of a (B, C, h, w) map over an (H, W) image:
    ``(W / w, H / h)`` (DVE: ``stride = imW / W``)."""
    return image_size[1] / feats.shape[-1], image_size[0] / feats.shape[-2]


def _match_grid(src_feats: Tensor, tgt_feats: Tensor, src_kpts: Tensor,
                image_size: Tuple[int, int], similarity: str) -> Tensor:
    """DVE's ``find_descriptor``: rounded source cell, argmax over target
    cells, prediction at cell index x stride; (b, K, 2) pixels."""
    sx, sy = grid_strides(src_feats, image_size)
    h, w = src_feats.shape[-2:]
    # torch.round rounds half to even, as DVE's np.round
    cx = torch.round(src_kpts[..., 0] / sx).long().clamp(0, w - 1)
    cy = torch.round(src_kpts[..., 1] / sy).long().clamp(0, h - 1)
    flat = src_feats.flatten(2)  # (b, C, h*w)
    index = (cy * w + cx)[:, None].expand(-1, flat.shape[1], -1)
    desc = flat.gather(2, index).transpose(1, 2)  # (b, K, C)
    tx, ty = grid_strides(tgt_feats, image_size)
    tw = tgt_feats.shape[-1]
    idx = _similarity(desc, tgt_feats.flatten(2), similarity).argmax(dim=-1)
    cells = torch.stack([idx % tw, idx // tw], dim=-1).to(src_kpts.dtype)
    return cells * src_kpts.new_tensor([tx, ty])


def _check_inputs(src_feats: Tensor, tgt_feats: Tensor,
                  src_kpts: Tensor) -> None:
    """Raise TypeError on dtypes and ValueError on shapes
    :func:`match_landmarks` cannot match."""
    where = _WHERE.format('match_landmarks')
    check_floating(src_feats, 'src_feats', where)
    check_floating(tgt_feats, 'tgt_feats', where)
    check_points(src_kpts, 'src_kpts', where)
    if src_feats.dim() != 4 or tgt_feats.dim() != 4:
        raise ValueError('match_landmarks: expected (B, C, h, w) feature '
                         f'maps, got {tuple(src_feats.shape)} and '
                         f'{tuple(tgt_feats.shape)}')
    if src_feats.shape[:2] != tgt_feats.shape[:2]:
        raise ValueError('match_landmarks: source and target maps differ in '
                         f'batch or channels: {tuple(src_feats.shape)} vs '
                         f'{tuple(tgt_feats.shape)}')
    if (src_kpts.dim() != 3 or src_kpts.shape[0] != src_feats.shape[0]
            or src_kpts.shape[-1] != 2):
        raise ValueError('match_landmarks: expected (B, K, 2) keypoints for '
                         f'B={src_feats.shape[0]}, got '
                         f'{tuple(src_kpts.shape)}')


@torch.no_grad()
def match_landmarks(src_feats: Tensor,
                    tgt_feats: Tensor,
                    src_kpts: Tensor,
                    image_size: Tuple[int, int],
                    chunk_size: int = 8,
                    *,
                    protocol: Optional[str] = None,
                    argmax: Optional[str] = None,
                    similarity: Optional[str] = None,
                    source_resample: Optional[str] = None) -> Tensor:
    """Match source landmarks into target images.

    ``argmax='pixel'`` (default): both feature maps are bilinearly
    upsampled (``align_corners=False``) to ``image_size``; each source
    keypoint's descriptor is bilinearly sampled from the upsampled source
    map at its sub-pixel location (exactly the pixel's descriptor at integer
    locations); the prediction is the target pixel of highest similarity.
    ``argmax='grid'`` (DVE's ``find_descriptor``): the descriptor is that of
    source cell ``(round(x / stride), round(y / stride))`` clamped to the
    grid (``stride = image size / grid size``, rounding half to even as
    ``np.round``); the prediction is the best target cell's index x stride.
    Ties go to the first pixel / cell in raster order. The similarities are
    computed in fp32 with autocast off, whatever the features' dtype (bf16
    features under ``--amp`` would otherwise tie most pixels; float64
    features give the same matches as their float32 copies).

    Args:
        src_feats (Tensor): (B, C, h, w) source feature maps, float64,
            float32, float16 or bfloat16.
        tgt_feats (Tensor): (B, C, h', w') target feature maps, same dtypes
            (need not match ``src_feats``'s).
        src_kpts (Tensor): (B, K, 2) source keypoints, (x, y) pixels, of a
            floating or integer dtype, on any device.
        image_size (tuple[int, int]): (H, W) of the images.
        chunk_size (int): images matched at once; bounds the memory of the
            upsampled maps to about ``2 * chunk_size * C * H * W`` floats.
        protocol (str, optional): preset of the three options: None or
            ``'default'`` (pixel, cosine, once) or ``'dve'`` (grid, dot,
            twice).
        argmax (str, optional): ``'pixel'`` or ``'grid'``; None: the
            preset's.
        similarity (str, optional): ``'cosine'`` or ``'dot'`` (raw dot
            product); None: the preset's.
        source_resample (str, optional): ``'once'`` or ``'twice'``; only
            validated here (the data pipeline resamples the source, see
            ``MatchingPairWarp``).

    Returns:
        Tensor: (B, K, 2) predicted target keypoints, (x, y) pixels (integer
        for ``'pixel'``, multiples of the stride for ``'grid'``) on the
        features' device, in ``src_kpts``'s dtype when it is floating and
        float32 for integer keypoints (a grid stride may be fractional).

    Raises:
        TypeError: a feature map that is not floating, or keypoints that
            are neither floating nor integer (the message names the
            argument and the accepted dtypes).
        ValueError: shapes that do not fit or an unknown rule option.
    """
    rule = resolve_matching_rule(protocol, argmax, similarity,
                                 source_resample, where='match_landmarks')
    _check_inputs(src_feats, tgt_feats, src_kpts)
    with torch.autocast(src_feats.device.type, enabled=False):
        return _match_all(src_feats.float(), tgt_feats.float(), src_kpts,
                          image_size, chunk_size, rule)


def _match_all(src_feats: Tensor, tgt_feats: Tensor, src_kpts: Tensor,
               image_size: Tuple[int, int], chunk_size: int,
               rule) -> Tensor:
    """:func:`match_landmarks` after validation, in chunks."""
    image_size = (int(image_size[0]), int(image_size[1]))
    out_dtype = (src_kpts.dtype
                 if src_kpts.is_floating_point() else torch.float32)
    # float16 / bfloat16 / integer keypoints are matched in float32: their
    # cells (grid rule) round as the float32 copy's
    kpts = at_least_float32(src_kpts).to(src_feats.device)
    chunk_size = max(1, int(chunk_size))
    match = _match_grid if rule.argmax == 'grid' else _match_pixel
    preds = [
        match(src_feats[i:i + chunk_size], tgt_feats[i:i + chunk_size],
              kpts[i:i + chunk_size], image_size, rule.similarity)
        for i in range(0, src_feats.shape[0], chunk_size)
    ]
    return torch.cat(preds, dim=0).to(out_dtype)
