"""SCEViT: sizes, outputs, Eq. 1 attention, freezing, cover-and-stride."""
import pytest
import torch
import torch.nn.functional as F

from sce_mae_mm.models.backbones import SCEViT, cls_patch_attention
from sce_mae_mm.models.utils.cover_and_stride import shift_offsets

# encoder parameters at patch 8 / 96 px (a 145-token position embedding);
# the paper prints 5.4 / 21.4 / 85.3 M. (85.8 M would be DeiT-B at 224 px.)
PARAMS = {'deit-t': 5_403_840, 'deit-s': 21_424_512, 'deit-b': 85_316_352}


@pytest.fixture(scope='module')
def tiny():
    torch.manual_seed(0)
    model = SCEViT(arch='deit-t', layer_index=2)
    model.init_weights()
    # a non-trivial class token/attention for the checks below
    with torch.no_grad():
        model.vit.cls_token.normal_(std=1.0)
    return model


@pytest.fixture(scope='module')
def images():
    gen = torch.Generator().manual_seed(1)
    return torch.randn(2, 3, 96, 96, generator=gen)


@pytest.mark.parametrize('arch', sorted(PARAMS))
def test_encoder_parameter_counts(arch):
    with torch.device('meta'):
        model = SCEViT(arch=arch)
    count = sum(p.numel() for p in model.vit.parameters())
    assert count == PARAMS[arch]
    rounded = {'deit-t': '5.40', 'deit-s': '21.42', 'deit-b': '85.32'}
    assert f'{count / 1e6:.2f}' == rounded[arch]
    assert model.embed_dims == {'deit-t': 192, 'deit-s': 384,
                                'deit-b': 768}[arch]


def test_forward_tokens_shapes(tiny, images):
    with torch.no_grad():
        out = tiny.forward_tokens(images)
    assert out['last'].shape == (2, 192, 12, 12)
    assert out['layer_tokens'].shape == (2, 144, 192)
    assert out['cls_attn'].shape == (2, 144)
    torch.testing.assert_close(out['cls_attn'].sum(-1), torch.ones(2))
    assert (out['cls_attn'] > 0).all()
    (plain, ) = tiny(images)
    assert torch.equal(plain, out['last'])


def _explicit(model: SCEViT, images: torch.Tensor):
    """Layer tokens and Eq. 1 recomputed by hand from the block weights."""
    vit = model.vit
    x = vit.patch_embed(images)[0]
    cls = vit.cls_token.expand(x.shape[0], -1, -1)
    x = torch.cat([cls, x], dim=1) + vit.pos_embed
    for layer in vit.layers[:model.layer_index]:
        x = layer(x)
    block = vit.layers[model.layer_index]
    h = block.ln1(x)
    width, heads = vit.embed_dims, model.num_heads
    dims = width // heads
    w, b = block.attn.qkv.weight, block.attn.qkv.bias
    q = h @ w[:width].T + b[:width]
    k = h @ w[width:2 * width].T + b[width:2 * width]
    q_cls = q[:, 0].reshape(-1, heads, dims)  # (B, heads, d)
    k_patch = k[:, 1:].reshape(k.shape[0], -1, heads, dims)  # (B, N, h, d)
    rows = []
    for head in range(heads):
        logits = k_patch[:, :, head] @ q_cls[:, head].unsqueeze(-1)
        rows.append(torch.softmax(logits[..., 0] / dims**0.5, dim=-1))
    attn = torch.stack(rows, 1).mean(1)
    return block(x)[:, 1:], attn


def test_cls_attention_matches_explicit_softmax(tiny, images):
    with torch.no_grad():
        out = tiny.forward_tokens(images)
        tokens, attn = _explicit(tiny, images)
    torch.testing.assert_close(out['cls_attn'], attn, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(out['layer_tokens'], tokens, rtol=1e-5,
                               atol=1e-5)
    # the attention is not uniform: it depends on the image
    assert out['cls_attn'].std() > 1e-4
    assert not torch.allclose(out['cls_attn'][0], out['cls_attn'][1])


def test_cls_patch_attention_function():
    gen = torch.Generator().manual_seed(2)
    qkv = torch.randn(3, 1 + 16, 3 * 8, generator=gen)
    attn = cls_patch_attention(qkv, num_heads=2)
    q = qkv[:, 0, :8].reshape(3, 2, 4)
    k = qkv[:, 1:, 8:16].reshape(3, 16, 2, 4)
    ref = torch.softmax(
        torch.einsum('bhd,bnhd->bhn', q, k) / 2.0, dim=-1).mean(1)
    torch.testing.assert_close(attn, ref)


def test_frozen_no_grad_and_eval():
    model = SCEViT(arch='deit-t', frozen=True)
    model.train()
    assert not model.training
    assert all(not m.training for m in model.modules())
    assert all(not p.requires_grad for p in model.parameters())
    x = torch.randn(1, 3, 96, 96, requires_grad=True)
    (out, ) = model(x)
    out.sum().backward()
    assert all(p.grad is None for p in model.parameters())
    trainable = SCEViT(arch='deit-t', frozen=False)
    trainable.train()
    assert trainable.training
    assert all(p.requires_grad for n, p in trainable.named_parameters())


def test_stride_p_and_context_input(tiny, images):
    context = 4
    padded = F.pad(images, (context, ) * 4, mode='constant', value=0.3)
    with torch.no_grad():
        plain = tiny.last_map(images)
        (out, ) = tiny(padded)  # stride 8: the centre crop
        feats = tiny.forward_tokens(padded)
    assert torch.equal(out, plain)
    assert torch.equal(feats['last'], plain)


def test_dense_map_reads_context(tiny):
    gen = torch.Generator().manual_seed(3)
    context, stride = 4, 4
    x = torch.randn(1, 3, 96 + 2 * context, 96 + 2 * context, generator=gen)
    with torch.no_grad():
        dense = tiny.dense_map(x, stride=stride)
        assert dense.shape == (1, 192, 24, 24)
        offsets = shift_offsets(8, stride).tolist()
        for ky, dy in enumerate(offsets):
            for kx, dx in enumerate(offsets):
                window = x[..., context + dy:context + dy + 96,
                           context + dx:context + dx + 96]
                torch.testing.assert_close(
                    dense[:, :, ky::2, kx::2], tiny.last_map(window),
                    rtol=1e-4, atol=1e-4)
        # without context the shifted windows read reflect padding
        crop = x[..., context:-context, context:-context]
        reflect = tiny.dense_map(crop, stride=stride)
        padded = F.pad(crop, (2, ) * 4, mode='reflect')
        window = padded[..., :96, :96]  # shift (-2, -2): cells (0, 0)
        torch.testing.assert_close(
            reflect[:, :, ::2, ::2], tiny.last_map(window), rtol=1e-4,
            atol=1e-4)
        assert not torch.allclose(reflect, dense)


def test_forward_stride_two():
    model = SCEViT(arch='deit-t', stride=2, chunk_size=8)
    model.init_weights()
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        (out, ) = model(x)  # 16 shifted copies in two chunks of 8
        padded = F.pad(x, (3, ) * 4, mode='reflect')
        window = padded[..., 2:98, 2:98]  # shift (-1, -1): index 1 of 4
        shifted = model.last_map(window)
    assert out.shape == (1, 192, 48, 48)
    torch.testing.assert_close(out[:, :, 1::4, 1::4], shifted, rtol=1e-4,
                               atol=1e-4)


def test_bad_inputs_raise(tiny):
    with pytest.raises(ValueError, match='96 \\+ 2 \\* context'):
        tiny(torch.zeros(1, 3, 97, 97))
    with pytest.raises(ValueError, match='96 \\+ 2 \\* context'):
        tiny(torch.zeros(1, 3, 64, 64))
    with pytest.raises(ValueError, match='layer_index'):
        SCEViT(arch='deit-t', layer_index=12)
    with pytest.raises(ValueError, match='must divide'):
        SCEViT(arch='deit-t', stride=3)
