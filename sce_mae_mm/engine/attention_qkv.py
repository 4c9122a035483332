"""mmpretrain's attention with q, k, v taken apart by one ``unbind``.

mmpretrain's ``MultiheadAttention.forward`` splits the qkv projection with
``qkv[0], qkv[1], qkv[2]`` after a permute. In the backward pass each of the
three selects allocates a zero tensor of the whole qkv size, copies its
gradient in, the three are added, and the permuted sum is copied once more
to meet the projection's layout: per attention layer, three zero fills,
three copies, two additions and a copy of (B, N, 3C) floats, about 8 % of
the fp32 DeiT-T stage-1 step on a CPU (``torch.profiler``:
``SelectBackward0``, ``ViewBackward0``). :func:`attention_forward` takes
q, k and v as ``unbind`` views of the unpermuted (B, N, 3, h, d) tensor
instead: the same views (shapes and strides), so the forward is the same
computation, and the backward stacks the three gradients straight into the
projection's layout (one copy). The values are the same; the losses of a
run are bit-equal (``tests/test_stage1_speed.py``).
"""
import types

import torch
import torch.nn as nn
from mmpretrain.models.utils.attention import MultiheadAttention

__all__ = ['attention_forward', 'install_qkv_unbind']


def attention_forward(self: MultiheadAttention,
                      x: torch.Tensor) -> torch.Tensor:
    """mmpretrain's ``MultiheadAttention.forward``, q/k/v by ``unbind``.

    Args:
        x: (B, N, C) tokens.

    Returns:
        (B, N, C) tokens.
    """
    B, N, _ = x.shape
    qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, self.head_dims)
    q, k, v = (t.transpose(1, 2) for t in qkv.unbind(2))  # (B, h, N, d)

    attn_drop = self.attn_drop if self.training else 0.
    x = self.scaled_dot_product_attention(q, k, v, dropout_p=attn_drop)
    x = x.transpose(1, 2).reshape(B, N, self.embed_dims)

    x = self.proj(x)
    x = self.out_drop(self.gamma1(self.proj_drop(x)))

    if self.v_shortcut:
        x = v.squeeze(1) + x
    return x


def install_qkv_unbind(model: nn.Module) -> int:
    """Give every mmpretrain ``MultiheadAttention`` of ``model`` (that
    class exactly, not a subclass) :func:`attention_forward`.

    Idempotent. Returns the number of modules changed now.
    """
    count = 0
    for module in model.modules():
        if type(module) is MultiheadAttention and not isinstance(
                module.__dict__.get('forward'), types.MethodType):
            module.forward = types.MethodType(attention_forward, module)
            count += 1
    return count
