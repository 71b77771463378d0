"""Export-friendly equivalents of the ops that do not export, swapped in only while exporting.

Each rewrite computes the function it replaces (tested against it in
``tests/deployment/test_rewrites.py``); PyTorch inference outside :func:`export_rewrites` is
untouched. What needed one, found by exporting every model family with the TorchScript
exporter and comparing ONNX Runtime's output with PyTorch's at two input sizes:

* ``F.adaptive_avg_pool2d`` (PSPNet's pyramid pooling): ONNX has no adaptive pooling. The
  exporter turns it into ``AvgPool`` only for a static input size divisible by the output
  size (not 16x32 -> 3x3 or 6x6) and fails for a dynamic one; torch's dynamo exporter bakes
  the traced size's bins in. Rewritten as two averaging matrices, ``P_h x P_w^T``, built
  from the input's size at run time.
* MMSegmentation's ``Upsample`` (FPNHead's x2 steps) computes its output size with
  ``int(t * scale_factor)``: tracing records the traced size as a constant, so another
  input size gets wrongly sized, silently resized maps. Rewritten to multiply the traced
  size by the (integer) factor.
* 1x1 convolutions in float64 (the TI fusion head's ``precision='float64'``): ONNX Runtime
  implements ``Conv`` for float only. Rewritten as a ``MatMul``, which it runs in double.

And one symbolic: the TorchScript exporter's ``aten::floor_divide`` truncates (its code says
so: "deprecated behavior"), so ``-(-H // S)``, the ceil division of the superpixel grid,
exported as ``floor(H / S)`` and only the traced size came out right. It is registered
here with floor semantics for the duration of an export.

Ops that export as they are: HC's nine shifted products (Slice, Mul, ReduceSum), the
gather DCNv2 (``GatherElements``, ``Floor``), DySample (``GridSample``, opset >= 16), logit
consistency's scatter-add with duplicate ids (``ScatterElements`` with ``reduction='add'``,
opset >= 16), the superpixel FCN's argmax and gathers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.utils import Upsample, resize
from torch import Tensor


class Rewrite(NamedTuple):
    """``owner.attr`` is replaced by ``replacement`` while exporting; ``why`` says why."""

    owner: Any
    attr: str
    replacement: Callable
    why: str


REWRITES: dict[str, Rewrite] = {}


def register_rewrite(name: str, owner: Any, attr: str, why: str) -> Callable[[Callable], Callable]:
    """Decorator: register the function as the export-time replacement of ``owner.attr``."""

    def register(fn: Callable) -> Callable:
        if name in REWRITES:
            raise ValueError(f'rewrite {name!r} is already registered')
        REWRITES[name] = Rewrite(owner, attr, fn, why)
        return fn

    return register


@contextlib.contextmanager
def export_rewrites(names: Sequence[str] | None = None, opset: int = 17) -> Iterator[list[str]]:
    """Swap the registered rewrites in (all, or ``names``) for the ``with`` block, and
    register the exporter symbolics (:data:`SYMBOLICS`) for ``opset``.

    The swap is process-wide (these are module attributes): export in one thread at a time.
    """
    names = list(REWRITES) if names is None else list(names)
    unknown = [n for n in names if n not in REWRITES]
    if unknown:
        raise ValueError(f'unknown rewrites {unknown}; registered: {sorted(REWRITES)}')
    swapped, registered = [], []
    try:
        for op, symbolic in SYMBOLICS.items():
            torch.onnx.register_custom_op_symbolic(op, symbolic, opset)
            registered.append(op)
        for name in names:
            rewrite = REWRITES[name]
            swapped.append((rewrite.owner, rewrite.attr, getattr(rewrite.owner, rewrite.attr)))
            setattr(rewrite.owner, rewrite.attr, rewrite.replacement)
        yield names
    finally:
        for owner, attr, original in reversed(swapped):
            setattr(owner, attr, original)
        for op in registered:
            torch.onnx.unregister_custom_op_symbolic(op, opset)


# -- floor division (an exporter symbolic) ----------------------------------------------


def floor_divide_symbolic(g: Any, self: Any, other: Any) -> Any:
    """``aten::floor_divide`` as floor division (torch's own symbolic truncates): for
    integers ``q = trunc(a / b)``, minus 1 where the remainder is non-zero and a, b have
    opposite signs; for floats ``Floor(a / b)``."""
    is_float = any(
        (v.type().scalarType() or 'Float') in ('Float', 'Double', 'Half', 'BFloat16')
        for v in (self, other)
    )
    if is_float:
        return g.op('Floor', g.op('Div', self, other))
    # in int64 (sizes are), cast back for a narrower integer type
    a, b = (g.op('Cast', v, to_i=_ONNX_INT64) for v in (self, other))
    quotient = g.op('Div', a, b)
    zero = g.op('Constant', value_t=torch.tensor(0, dtype=torch.int64))
    remainder = g.op('Sub', a, g.op('Mul', quotient, b))
    opposite = g.op('Xor', g.op('Less', a, zero), g.op('Less', b, zero))
    inexact = g.op('Not', g.op('Equal', remainder, zero))
    out = g.op('Sub', quotient, g.op('Cast', g.op('And', opposite, inexact), to_i=_ONNX_INT64))
    kind = self.type().scalarType()
    return out if kind in (None, 'Long') else g.op('Cast', out, to_i=_ONNX_INTS[kind])


_ONNX_INT64 = 7  # onnx.TensorProto.INT64
_ONNX_INTS = {'Byte': 2, 'Char': 3, 'Short': 5, 'Int': 6}


SYMBOLICS: dict[str, Callable] = {'aten::floor_divide': floor_divide_symbolic}


# -- adaptive average pooling ------------------------------------------------------------

_adaptive_avg_pool2d = F.adaptive_avg_pool2d


def adaptive_pool_matrix(
    size: int | Tensor, out: int, dtype: torch.dtype, device: torch.device | None = None
) -> Tensor:
    """(out, size) matrix of adaptive average pooling along one axis: row i averages the
    inputs [floor(i size / out), ceil((i + 1) size / out)), as ``F.adaptive_avg_pool2d``.

    ``size`` may be a traced size, so the matrix follows the input size in an export.
    """
    i = torch.arange(out, device=device)
    start = torch.div(i * size, out, rounding_mode='floor')
    end = torch.div((i + 1) * size + out - 1, out, rounding_mode='floor')
    pos = torch.arange(size, device=device)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return inside.to(dtype) / (end - start).to(dtype)[:, None]


@register_rewrite(
    'adaptive_avg_pool2d',
    F,
    'adaptive_avg_pool2d',
    'ONNX has no adaptive pooling: two averaging matrices of the run-time size',
)
def adaptive_avg_pool2d_matmul(input: Tensor, output_size: Any) -> Tensor:
    """``F.adaptive_avg_pool2d`` of a (B, C, H, W) or (C, H, W) input as ``P_h x P_w^T``.

    A global pool (output 1x1) keeps the original op, which exports as ``GlobalAveragePool``.
    """
    out = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    h, w = input.shape[-2:]
    out_h, out_w = (h if out[0] is None else out[0]), (w if out[1] is None else out[1])
    if (out[0], out[1]) == (1, 1):
        return _adaptive_avg_pool2d(input, output_size)
    p_h = adaptive_pool_matrix(h, out_h, input.dtype, input.device)
    p_w = adaptive_pool_matrix(w, out_w, input.dtype, input.device)
    return torch.matmul(torch.matmul(p_h, input), p_w.transpose(0, 1))


# -- MMSegmentation's Upsample -----------------------------------------------------------

_upsample_forward = Upsample.forward


@register_rewrite(
    'mmseg_upsample',
    Upsample,
    'forward',
    "mmseg's Upsample takes int() of the traced size: keep it symbolic",
)
def upsample_forward(self: Upsample, x: Tensor) -> Tensor:
    """``Upsample.forward`` with the output size ``size * factor`` kept traceable (an
    integer factor; anything else runs the original)."""
    factor = self.scale_factor
    if self.size or not isinstance(factor, float) or not factor.is_integer():
        return _upsample_forward(self, x)
    size = [x.shape[-2] * int(factor), x.shape[-1] * int(factor)]
    return resize(x, size, None, self.mode, self.align_corners)


# -- float64 1x1 convolutions -----------------------------------------------------------

_conv_forward = nn.Conv2d._conv_forward


def conv1x1_matmul(input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """A 1x1, stride-1, unpadded, ungrouped convolution of (B, C, H, W) as a matmul."""
    b, _, h, w = input.shape
    out = torch.matmul(weight.flatten(1), input.flatten(2))  # (B, O, H W)
    out = out.reshape(b, weight.shape[0], h, w)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def _is_plain_1x1(conv: nn.Conv2d) -> bool:
    return (
        tuple(conv.kernel_size) == (1, 1)
        and tuple(conv.stride) == (1, 1)
        and conv.padding in ((0, 0), 'valid')
        and conv.groups == 1
    )


@register_rewrite(
    'conv1x1_float64',
    nn.Conv2d,
    '_conv_forward',
    "ONNX Runtime's Conv is float only: float64 1x1 convs as MatMul",
)
def conv2d_forward(self: nn.Conv2d, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``nn.Conv2d._conv_forward``: float64 plain 1x1 convolutions as a matmul, the rest
    unchanged."""
    if weight.dtype == torch.float64 and _is_plain_1x1(self):
        return conv1x1_matmul(input, weight, bias)
    return _conv_forward(self, input, weight, bias)
