"""Dense landmark matching by cosine similarity (SPEC §4, paper Table 1).

Each source landmark takes its descriptor from the source feature map
(bilinearly upsampled to the image); the prediction is the target pixel whose
descriptor has the highest cosine similarity with it.

Coordinate convention: (x, y) pixel coordinates, pixel ``i`` has its centre at
``i`` (mmpose's convention). Feature maps cover the image exactly
(``align_corners=False``), so the upsampled map has one descriptor per pixel.
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['upsample_features', 'sample_descriptors', 'match_landmarks']


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
    the image take the border value.

    Args:
        dense (Tensor): (B, C, H, W) per-pixel descriptors.
        kpts (Tensor): (B, K, 2) (x, y) pixel coordinates.

    Returns:
        Tensor: (B, K, C) descriptors.
    """
    h, w = dense.shape[-2:]
    size = kpts.new_tensor([w, h])
    grid = (2 * kpts.to(dense.dtype) + 1) / size - 1  # align_corners=False
    out = F.grid_sample(
        dense,
        grid[:, :, None],
        mode='bilinear',
        padding_mode='border',
        align_corners=False)  # (B, C, K, 1)
    return out[..., 0].transpose(1, 2)


def _match_chunk(src_feats: Tensor, tgt_feats: Tensor, src_kpts: Tensor,
                 image_size: Tuple[int, int]) -> Tensor:
    """:func:`match_landmarks` on one chunk of the batch."""
    src_dense = upsample_features(src_feats, image_size)
    desc = F.normalize(sample_descriptors(src_dense, src_kpts), dim=-1)
    tgt_dense = F.normalize(
        upsample_features(tgt_feats, image_size).flatten(2), dim=1)
    sim = torch.bmm(desc, tgt_dense)  # (b, K, H*W)
    idx = sim.argmax(dim=-1)
    w = image_size[1]
    return torch.stack([idx % w, idx // w], dim=-1).to(src_kpts.dtype)


@torch.no_grad()
def match_landmarks(src_feats: Tensor,
                    tgt_feats: Tensor,
                    src_kpts: Tensor,
                    image_size: Tuple[int, int],
                    chunk_size: int = 8) -> Tensor:
    """Match source landmarks into target images by cosine similarity.

    Both feature maps are bilinearly upsampled (``align_corners=False``) to
    ``image_size``. Each source keypoint's descriptor is bilinearly sampled
    from the upsampled source map at its sub-pixel location (exactly the
    pixel's descriptor at integer locations). The prediction is the target
    pixel of highest cosine similarity (first one on ties).

    Args:
        src_feats (Tensor): (B, C, h, w) source feature maps.
        tgt_feats (Tensor): (B, C, h', w') target feature maps.
        src_kpts (Tensor): (B, K, 2) source keypoints, (x, y) pixels.
        image_size (tuple[int, int]): (H, W) of the images.
        chunk_size (int): images matched at once; bounds the memory of the
            upsampled maps to about ``2 * chunk_size * C * H * W`` floats.

    Returns:
        Tensor: (B, K, 2) predicted target keypoints, (x, y) integer pixels,
        in ``src_kpts``'s dtype.
    """
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
    image_size = (int(image_size[0]), int(image_size[1]))
    if not src_kpts.is_floating_point():
        src_kpts = src_kpts.float()
    src_kpts = src_kpts.to(src_feats.device)
    chunk_size = max(1, int(chunk_size))
    preds = [
        _match_chunk(src_feats[i:i + chunk_size],
                     tgt_feats[i:i + chunk_size],
                     src_kpts[i:i + chunk_size], image_size)
        for i in range(0, src_feats.shape[0], chunk_size)
    ]
    return torch.cat(preds, dim=0)
