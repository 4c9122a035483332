"""The FLOPs of a training step and its matmul calls, as torch counts them.

:func:`count_step` runs a step once under torch's
``torch.utils.flop_counter.FlopCounterMode`` (no hand count; the CPU
attention kernels, which torch's table lacks, get torch's own SDPA
formulas) and, at the same time, records every matmul-like call the step
makes (``mm``, ``addmm``, ``bmm``, ``baddbmm``, convolutions, attention):
its operator, the shapes, strides and dtypes of its tensors and its other
arguments. :mod:`.matmul_rate` replays those calls alone to measure what
the machine does at the step's own shapes.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Tuple

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import (FlopCounterMode,
                                      sdpa_backward_flop_count,
                                      sdpa_flop_count)

aten = torch.ops.aten

#: the operators counted as matmul work, by kind
KINDS = {
    'mm': (aten.mm, aten.addmm, aten.bmm, aten.baddbmm),
    'conv': (aten.convolution, aten.convolution_backward),
    'attention': (aten._scaled_dot_product_flash_attention_for_cpu,
                  aten._scaled_dot_product_flash_attention_for_cpu_backward,
                  aten._scaled_dot_product_flash_attention,
                  aten._scaled_dot_product_flash_attention_backward,
                  aten._scaled_dot_product_efficient_attention,
                  aten._scaled_dot_product_efficient_attention_backward,
                  aten._scaled_dot_product_cudnn_attention,
                  aten._scaled_dot_product_cudnn_attention_backward),
}
_KIND_OF = {op: kind for kind, ops in KINDS.items() for op in ops}


def _cpu_sdpa_flops(query, key, value, *args, out_shape=None, **kwargs):
    return sdpa_flop_count(query, key, value)


def _cpu_sdpa_backward_flops(grad_out, query, key, value, *args,
                             out_shape=None, **kwargs):
    return sdpa_backward_flop_count(grad_out, query, key, value)


#: torch's SDPA formulas for the CPU kernels its table lacks
CPU_SDPA_FLOPS = {
    aten._scaled_dot_product_flash_attention_for_cpu: _cpu_sdpa_flops,
    aten._scaled_dot_product_flash_attention_for_cpu_backward:
    _cpu_sdpa_backward_flops,
}


@dataclass(frozen=True)
class TensorSpec:
    """Shape, strides and dtype of one tensor argument."""
    shape: Tuple[int, ...]
    stride: Tuple[int, ...]
    dtype: torch.dtype


@dataclass
class MatmulCall:
    """One distinct matmul-like call of a step and how often it ran.

    ``args`` holds the positional arguments with every tensor replaced by
    its :class:`TensorSpec`; ``flops`` is torch's count for one call.
    """
    op: torch._ops.OpOverload
    args: tuple
    kwargs: dict
    flops: int
    count: int = 0

    @property
    def kind(self) -> str:
        return _KIND_OF[self.op.overloadpacket]

    @property
    def name(self) -> str:
        return self.op.overloadpacket.__name__


def _spec(obj):
    if isinstance(obj, torch.Tensor):
        return TensorSpec(tuple(obj.shape), tuple(obj.stride()), obj.dtype)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_spec(o) for o in obj)
    return obj


def _key(op, args, kwargs) -> str:
    return repr((str(op), args, sorted(kwargs.items())))


class _MatmulRecorder(TorchDispatchMode):
    """Records the matmul-like calls (see :data:`KINDS`) that run under it."""

    def __init__(self, flop_table: Dict):
        super().__init__()
        self.flop_table = flop_table
        self.calls: Dict[str, MatmulCall] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        packet = func.overloadpacket
        if packet in _KIND_OF:
            sargs, skw = _spec(tuple(args)), _spec(dict(kwargs))
            key = _key(func, sargs, skw)
            call = self.calls.get(key)
            if call is None:
                formula = self.flop_table[packet]
                flops = int(formula(*args, out_val=out, **kwargs))
                call = self.calls[key] = MatmulCall(func, sargs, skw, flops)
            call.count += 1
        return out


@dataclass
class StepCount:
    """What one step computes: torch's FLOP total, by operator, and the
    distinct matmul-like calls (with counts)."""
    total: int
    by_op: Dict[str, int]
    calls: List[MatmulCall] = field(default_factory=list)

    def flops_of(self, kind: str) -> int:
        """FLOPs of the recorded calls of one kind (:data:`KINDS`)."""
        return sum(c.flops * c.count for c in self.calls if c.kind == kind)


def count_step(step: Callable[[], object]) -> StepCount:
    """Run ``step`` once under ``FlopCounterMode`` and the matmul recorder.

    Returns:
        :class:`StepCount`; ``total`` is what ``FlopCounterMode`` reports
        (the recorded calls' FLOPs add up to it when every FLOP-counted
        operator of the step is a matmul-like one).
    """
    counter = FlopCounterMode(display=False, custom_mapping=CPU_SDPA_FLOPS)
    recorder = _MatmulRecorder(counter.flop_registry)
    with counter, recorder:
        step()
    by_op = {str(op): n for op, n in
             counter.get_flop_counts().get('Global', {}).items()}
    calls = sorted(recorder.calls.values(),
                   key=lambda c: -c.flops * c.count)
    return StepCount(counter.get_total_flops(), by_op, calls)
