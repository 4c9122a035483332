"""cover_and_stride: plain map at stride P, exact patches at strides < P."""
import pytest
import torch
import torch.nn.functional as F

from sce_mae_mm.models.utils.cover_and_stride import (cover_and_stride,
                                                      required_margin,
                                                      shift_offsets)

PATCH = 8
SIZE = 32


def _local_fn(weight: torch.Tensor):
    """Purely local token map: a nonlinear function of each P x P patch."""

    def fn(images: torch.Tensor) -> torch.Tensor:
        return torch.tanh(F.conv2d(images, weight, stride=PATCH))

    return fn


def _dense_reference(padded: torch.Tensor, weight: torch.Tensor):
    """Descriptor of every P x P patch of ``padded`` (stride 1)."""
    return torch.tanh(F.conv2d(padded, weight, stride=1))


def _expected(padded, weight, margin, stride, cells):
    """Cell (i, j) = patch with top-left (i*s + s//2 - P/2) + margin."""
    dense = _dense_reference(padded, weight)
    top = torch.arange(cells) * stride + stride // 2 - PATCH // 2 + margin
    return dense[:, :, top][:, :, :, top]


@pytest.fixture
def data():
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(2, 3, SIZE + 2 * PATCH, SIZE + 2 * PATCH,
                        generator=gen)
    weight = torch.randn(5, 3, PATCH, PATCH, generator=gen) * 0.05
    return images, weight


def test_stride_p_is_plain_map(data):
    images, weight = data
    crop = images[:, :, PATCH:-PATCH, PATCH:-PATCH]
    fn = _local_fn(weight)
    plain = fn(crop)
    assert torch.equal(cover_and_stride(fn, crop, PATCH, PATCH), plain)
    # with real context the stride-P map is the plain map of the centre crop
    assert torch.equal(
        cover_and_stride(fn, images, PATCH, PATCH, margin=PATCH), plain)


@pytest.mark.parametrize('stride', [4, 2, 1])
def test_cells_are_patches_with_context(data, stride):
    images, weight = data
    margin = PATCH // 2
    ctx = images[:, :, PATCH - margin:-(PATCH - margin),
                 PATCH - margin:-(PATCH - margin)]
    calls = []

    def fn(x):
        calls.append(tuple(x.shape))
        return _local_fn(weight)(x)

    out = cover_and_stride(fn, ctx, PATCH, stride, margin=margin)
    cells = SIZE // stride
    assert out.shape == (2, 5, cells, cells)
    # on a CPU: one call per shift's worth of images (B), always on images
    # of the original size; one batched call when asked (a GPU's default)
    ratio = PATCH // stride
    assert calls == [(2, 3, SIZE, SIZE)] * (ratio * ratio)
    calls.clear()
    batched = cover_and_stride(fn, ctx, PATCH, stride, margin=margin,
                               chunk_size=2 * ratio * ratio)
    assert calls == [(2 * ratio * ratio, 3, SIZE, SIZE)]
    torch.testing.assert_close(batched, out, rtol=0, atol=1e-6)
    expected = _expected(ctx, weight, margin, stride, cells)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize('stride', [4, 2, 1])
def test_cells_are_patches_reflect_pad(data, stride):
    images, weight = data
    crop = images[:, :, PATCH:-PATCH, PATCH:-PATCH]
    out = cover_and_stride(_local_fn(weight), crop, PATCH, stride)
    cells = SIZE // stride
    # interior cells: the patch lies inside the image
    top = torch.arange(cells) * stride + stride // 2 - PATCH // 2
    inside = (top >= 0) & (top + PATCH <= SIZE)
    assert inside.sum() > 0
    dense = _dense_reference(crop, weight)
    idx = top[inside]
    expected = dense[:, :, idx][:, :, :, idx]
    got = out[:, :, inside][:, :, :, inside]
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)
    # border cells read reflect-padded pixels
    pad = required_margin(PATCH, stride)
    padded = F.pad(crop, (pad, ) * 4, mode='reflect')
    full = _expected(padded, weight, pad, stride, cells)
    torch.testing.assert_close(out, full, rtol=0, atol=1e-6)


def test_chunked_equals_single_call(data):
    images, weight = data
    crop = images[:, :, PATCH:-PATCH, PATCH:-PATCH]
    fn = _local_fn(weight)
    single = cover_and_stride(fn, crop, PATCH, 2)
    chunked = cover_and_stride(fn, crop, PATCH, 2, chunk_size=5)
    assert torch.equal(single, chunked)
    one_call = cover_and_stride(fn, crop, PATCH, 2, chunk_size=10 ** 6)
    torch.testing.assert_close(single, one_call, rtol=0, atol=1e-6)


def test_default_chunking_by_device(data):
    from sce_mae_mm.models.utils.cover_and_stride import auto_chunk_size
    images, weight = data
    # CPU: calls of B copies (a loop's call size); accelerators: one call
    assert auto_chunk_size(3, 16, torch.device('cpu')) == 3
    assert auto_chunk_size(3, 1, torch.device('cpu')) is None
    assert auto_chunk_size(3, 16, torch.device('cuda')) is None
    crop = images[:, :, PATCH:-PATCH, PATCH:-PATCH]
    sizes = []
    base = _local_fn(weight)

    def fn(x):
        sizes.append(x.shape[0])
        return base(x)

    cover_and_stride(fn, crop, PATCH, 2)
    assert sizes == [crop.shape[0]] * 16
    with pytest.raises(ValueError, match='chunk_size'):
        cover_and_stride(base, crop, PATCH, 2, chunk_size=0)


def test_offsets_and_margin():
    assert shift_offsets(8, 8).tolist() == [0]
    assert shift_offsets(8, 4).tolist() == [-2, 2]
    assert shift_offsets(8, 2).tolist() == [-3, -1, 1, 3]
    assert shift_offsets(8, 1).tolist() == list(range(-4, 4))
    assert [required_margin(8, s) for s in (8, 4, 2, 1)] == [0, 2, 3, 4]


def test_bad_inputs_raise(data):
    images, weight = data
    fn = _local_fn(weight)
    crop = images[:, :, PATCH:-PATCH, PATCH:-PATCH]
    with pytest.raises(ValueError, match='divides the patch size'):
        cover_and_stride(fn, crop, PATCH, 3)
    small = images[:, :, PATCH - 1:-(PATCH - 1), PATCH - 1:-(PATCH - 1)]
    with pytest.raises(ValueError, match='needs 3 px'):
        cover_and_stride(fn, small, PATCH, 2, margin=1)
    with pytest.raises(ValueError, match='multiple of the patch size'):
        cover_and_stride(fn, crop[..., :30, :30], PATCH, 2)
