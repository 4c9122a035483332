"""Models and inputs of the speed benchmarks (``tools/benchmarks/``): the
stage-1 model of our config and mmpretrain's stock MAE of the same sizes,
detection samples with regression targets, and the looped reference of
cover-and-stride."""
from typing import List

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from mmpretrain.registry import MODELS as PRETRAIN_MODELS

from sce_mae_mm.models.utils.cover_and_stride import (required_margin,
                                                      shift_offsets)
from .paths import deit_widths

#: arch -> encoder width (the configs' table)
WIDTHS = {arch: w.embed_dims for arch, w in deit_widths().items()}


def uint8_images(batch: int, side: int = 96, seed: int = 0) -> torch.Tensor:
    """A seeded uint8 batch (B, 3, side, side), as the loaders give it."""
    return torch.randint(0, 256, (batch, 3, side, side),
                         generator=torch.Generator().manual_seed(seed),
                         dtype=torch.uint8)


def make_samples(batch: int, num_kpts: int) -> List[PoseDataSample]:
    """Data samples with regression targets and cache keys."""
    gen = torch.Generator().manual_seed(1)
    samples = []
    for i in range(batch):
        sample = PoseDataSample(metainfo=dict(
            img_path=f'face_{i}.jpg', id=i, input_size=(96, 96)))
        labels = InstanceData()
        labels.keypoint_labels = torch.rand(1, num_kpts, 2, generator=gen)
        labels.keypoint_weights = torch.ones(1, num_kpts)
        sample.gt_instance_labels = labels
        samples.append(sample)
    return samples


def build_ours(cfg: Config, arch: str) -> torch.nn.Module:
    """The config's model, built like the Runner builds it."""
    model_cfg = cfg.model.copy()
    model_cfg.backbone.arch = arch
    model_cfg.neck.embed_dim = WIDTHS[arch]
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model


def build_stock(cfg: Config, arch: str) -> torch.nn.Module:
    """mmpretrain's own MAE with the same sizes, mmpretrain's defaults."""
    neck = cfg.model.neck
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = _build_stock(cfg, arch, neck)
    model.init_weights()
    return model


def _build_stock(cfg: Config, arch: str, neck: dict) -> torch.nn.Module:
    """``MAE`` from the mmpretrain registry (default scope mmpretrain)."""
    return PRETRAIN_MODELS.build(
        dict(
            type='MAE',
            backbone=dict(
                type='MAEViT',
                arch=arch,
                img_size=cfg.img_size,
                patch_size=cfg.patch_size,
                mask_ratio=cfg.mask_ratio),
            neck=dict(
                type='MAEPretrainDecoder',
                num_patches=neck.num_patches,
                patch_size=cfg.patch_size,
                embed_dim=WIDTHS[arch],
                decoder_embed_dim=neck.decoder_embed_dim,
                decoder_depth=neck.decoder_depth,
                decoder_num_heads=neck.decoder_num_heads),
            head=dict(
                type='MAEPretrainHead',
                norm_pix=True,
                patch_size=cfg.patch_size,
                loss=dict(type='PixelReconstructionLoss', criterion='L2')),
            data_preprocessor=dict(
                type='SelfSupDataPreprocessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                to_rgb=True)))


def looped_cover_and_stride(fn, images: torch.Tensor, patch: int,
                            stride: int) -> torch.Tensor:
    """Reference: one call of ``fn`` per shift, in a Python loop."""
    offsets = shift_offsets(patch, stride).tolist()
    pad = required_margin(patch, stride)
    padded = torch.nn.functional.pad(images, (pad, ) * 4, mode='reflect')
    size = images.shape[-1]
    ratio = len(offsets)
    out = None
    for ky, dy in enumerate(offsets):
        for kx, dx in enumerate(offsets):
            window = padded[..., pad + dy:pad + dy + size,
                            pad + dx:pad + dx + size]
            tokens = fn(window)
            if out is None:
                b, c, h, w = tokens.shape
                out = tokens.new_empty(b, c, h * ratio, w * ratio)
            out[:, :, ky::ratio, kx::ratio] = tokens
    return out
