"""BackboneCache and LandmarkMatcher(backbone_cache=...): cached outputs are
the computed ones bit for bit, and any change of weights, image or autocast
reads other entries."""
import os

import pytest
import torch
from mmengine.registry import init_default_scope
from torch import nn

from sce_mae_mm.models.pose_estimators import LandmarkMatcher
from sce_mae_mm.models.pose_estimators.backbone_cache import (
    BackboneCache, module_fingerprint)

TINY = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


class CountingConv(nn.Module):
    """A backbone stand-in: (N, 3, H, W) -> ((N, 4, H/4, W/4),), counting
    the images it ran on."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 4, stride=4)
        self.images = 0

    def forward(self, x):
        self.images += x.shape[0]
        return (self.conv(x), )


def images(n: int, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, 16, 16, generator=gen)


@torch.no_grad()
def test_cache_fill_hit_and_partial_hit_equal_the_backbone(tmp_path):
    torch.manual_seed(0)
    net, cache = CountingConv(), BackboneCache(str(tmp_path / 'c'))
    x = images(5)
    ref = net(x)[0]
    net.images = 0
    filled = cache(net, x)[0]
    assert torch.equal(filled, ref) and net.images == 5
    assert (cache.hits, cache.misses) == (0, 5)
    hit = cache(net, x)[0]
    assert torch.equal(hit, ref) and net.images == 5  # not run again
    assert (cache.hits, cache.misses) == (5, 5)
    # two cached images among two new ones: only the new ones run
    new = images(2, seed=1)
    mixed = torch.cat([x[[3]], new, x[[0]]])
    out = cache(net, mixed)[0]
    assert net.images == 7
    assert torch.equal(out[[0, 3]], ref[[3, 0]])
    torch.testing.assert_close(out[1:3], net(new)[0], rtol=0, atol=1e-6)
    assert len(list((tmp_path / 'c').rglob('*.pt'))) == 7


@torch.no_grad()
def test_changed_weights_or_autocast_read_other_entries(tmp_path):
    torch.manual_seed(0)
    net, cache = CountingConv(), BackboneCache(str(tmp_path))
    x = images(3)
    before = cache.keys(net, x)
    first = module_fingerprint(net)
    net.conv.bias.add_(1.0)  # in place: the fingerprint follows it
    assert module_fingerprint(net) != first
    after = cache.keys(net, x)
    assert not set(before) & set(after)
    out = cache(net, x)[0]
    assert torch.equal(out, net(x)[0])
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert not set(cache.keys(net, x)) & set(after)
    other = x.clone()
    other[1, 0, 0, 0] += 1e-3
    keys = cache.keys(net, other)
    assert keys[0] == after[0] and keys[2] == after[2]
    assert keys[1] != after[1]


def test_unreadable_entry_names_the_file(tmp_path):
    net, cache = CountingConv(), BackboneCache(str(tmp_path))
    x = images(1)
    with torch.no_grad():
        cache(net, x)
    path = cache.path(cache.keys(net, x)[0])
    with open(path, 'wb') as f:
        f.write(b'not a tensor file')
    with pytest.raises(RuntimeError, match=os.path.basename(path)):
        cache(net, x)
    torch.save({'a': torch.zeros(1)}, path)
    with pytest.raises(RuntimeError, match='tuple of tensors'):
        cache(net, x)


def test_bad_root_is_refused():
    with pytest.raises(ValueError, match='folder path'):
        BackboneCache('')


@torch.no_grad()
def test_matcher_descriptors_equal_with_and_without_the_cache(tmp_path):
    """SCEViT with cover-and-stride at stride 4 and a CARB projector: the
    projector and the raw backbone descriptors of a second matcher that
    reads the first one's entries equal the uncached descriptors."""
    init_default_scope('mmpose')
    backbone = dict(type='SCEViT', arch=TINY, layer_index=0, img_size=32,
                    patch_size=8)
    neck = dict(type='CARB', in_channels=32, out_channels=16,
                projector=dict(type='SpatialProjector', grid_size=4))
    torch.manual_seed(0)
    plain = LandmarkMatcher(backbone=backbone, neck=neck, stride=4)
    cached = LandmarkMatcher(backbone=backbone, neck=neck, stride=4,
                             backbone_cache=str(tmp_path))
    raw = LandmarkMatcher(backbone=backbone, neck=neck, stride=4,
                          descriptor='backbone',
                          backbone_cache=str(tmp_path))
    cached.load_state_dict(plain.state_dict())
    raw.load_state_dict(plain.state_dict())
    x = torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    ref = plain.extract_descriptors(x)
    assert ref.shape == (3, 16, 8, 8)
    assert torch.equal(cached.extract_descriptors(x), ref)
    assert cached.backbone_cache.misses == 3
    # the raw-feature matcher reads the same entries: no backbone pass
    assert torch.equal(raw.extract_descriptors(x),
                       plain.backbone(x)[-1])
    assert (raw.backbone_cache.hits, raw.backbone_cache.misses) == (3, 0)
    assert torch.equal(cached.extract_descriptors(x), ref)
    assert cached.backbone_cache.hits == 3


def _per_pass_reference(matcher, images, rate):
    """Fig. S2's rule pass by pass: each shifted pass's descriptors with its
    own least-attended tokens zeroed, then interleaved."""
    from sce_mae_mm.models.pose_estimators.drop_token_matcher import \
        lowest_attention_mask
    from sce_mae_mm.models.utils.cover_and_stride import cover_and_stride

    def one_pass(crops):
        out = matcher.backbone.forward_tokens(crops)
        desc = matcher.describe(out['last'])
        keep = ~lowest_attention_mask(out['cls_attn'], rate)
        keep = keep.to(desc.dtype).view(desc.shape[0], 1, *desc.shape[-2:])
        return desc * keep

    backbone = matcher.backbone
    margin = (images.shape[-1] - backbone.img_size) // 2
    return cover_and_stride(one_pass, images, backbone.patch_size,
                            backbone.stride, margin=margin)


@torch.no_grad()
def test_drop_token_matcher_reads_one_entry_for_every_rate(tmp_path):
    """The dense map + CLS attention are cached once per image; every rate
    zeroes each shifted pass's own least-attended tokens, as pass-by-pass
    dropping does."""
    from sce_mae_mm.models.pose_estimators import DropTokenMatcher
    init_default_scope('mmpose')
    kwargs = dict(backbone=dict(type='SCEViT', arch=TINY, layer_index=0,
                                img_size=32, patch_size=8),
                  neck=dict(type='CARB', in_channels=32, out_channels=16),
                  stride=4)
    torch.manual_seed(0)
    plain = DropTokenMatcher(drop_rate=0.25, **kwargs)
    cached = DropTokenMatcher(drop_rate=0.25, backbone_cache=str(tmp_path),
                              **kwargs)
    cached.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 36, 36, generator=torch.Generator().manual_seed(2))
    for rate in (0.25, 0.5, 0.75):
        ref = _per_pass_reference(plain, x, rate)
        got = plain.extract_descriptors(x, drop_rate=rate)
        torch.testing.assert_close(got, ref, rtol=0, atol=1e-6)
        # 4 passes x round(rate * 16) tokens zeroed per image
        zero = (got.abs().sum(1) == 0).flatten(1).sum(1)
        assert zero.tolist() == [4 * round(rate * 16)] * 2
        assert torch.equal(cached.extract_descriptors(x, drop_rate=rate),
                           got)
    assert (cached.backbone_cache.hits, cached.backbone_cache.misses) == (
        4, 2)
    # rate 0 is LandmarkMatcher's path: its own entries
    cached.extract_descriptors(x, drop_rate=0.)
    assert cached.backbone_cache.misses == 4
