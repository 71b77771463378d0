"""FLOPs of segplug models with MMEngine's ``FlopAnalyzer``, counting the ops it misses.

Convention. MMEngine (after fvcore) counts one fused multiply-add as one FLOP and leaves
elementwise additions, activations and data movement at zero; bilinear interpolation
(``upsample_bilinear2d``, ``grid_sampler``) costs 4 per output value. segplug keeps all of
that, so a model made of convolutions, norms and MMSegmentation's heads gets exactly the
number MMSegmentation's ``get_flops`` prints, and adds handles for what its own methods
compute and MMEngine skips or does not know:

* **Deformable convolution** (DCNv2, HC's downsampling; ``torchvision::deform_conv2d`` and
  mmcv's ``ModulatedDeformConv2dFunction``, both zero by default): per output pixel, one
  multiply-add per kernel tap, input channel and output channel (as ``conv``), plus for
  every sampled value (k_h k_w taps x input channels) 4 for its bilinear interpolation (as
  ``grid_sampler``) and 1 for its modulation::

      B O C k_h k_w H' W'  +  (4 + 1) B C k_h k_w H' W'

  segplug's ``deform_conv2d_sampled`` (the CPU default) is traced as an ``embedding_bag``
  (4 multiply-adds per sampled value: the 4 of bilinear interpolation), ``mul`` and a
  ``conv`` of stride k over the sampled patches and comes to the same count, except that
  the modulation is folded into the corner weights (4 k_h k_w H' W' instead of
  C k_h k_w H' W'), plus the corner weights
  (8 k_h k_w H' W') and a few products per kernel row and column.
* **Elementwise products and quotients** (``mul``, ``div``): one per floating-point output
  value, the multiply of a multiply-add whose add is free. This counts soft clustering's
  9 dot products per pixel (Eq. 4: ``mul`` then ``sum``) as 9 K per pixel, cluster decoding
  (Eq. 2: 9 products per pixel and channel) as 9 C, L2 normalisation's division, the DCN
  modulation, and TI's superpixel means. Integer index arithmetic is free. ResNet and
  MMSegmentation's heads have none of these ops, so their counts do not move.
* **Vector norms** (``linalg_vector_norm``): one multiply-add per input value.
* **Scatter sums** (``scatter_add``, logit consistency's superpixel sums): one add per
  summed value, as MMEngine counts average pooling.

Comparisons, exponentials, softmax, sigmoid, GELU, max pooling, padding, unfolding and
repeats are free, as ReLU is in MMEngine: they are listed in :data:`ZERO_FLOP_OPS` so that
any op *not* decided on shows up in :attr:`Complexity.uncounted_ops`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from math import prod
from typing import Any, Callable

import torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.analysis.jit_handles import get_shape
from torch import Tensor, nn

#: FLOPs of one bilinear sample, as MMEngine counts ``grid_sampler``.
BILINEAR_FLOPS = 4
_FLOAT_TYPES = {'Float', 'Double', 'Half', 'BFloat16'}

# ops that cost nothing under this convention (comparisons, data movement, activations,
# additions that complete a counted multiply); decided on, so never reported as uncounted
ZERO_FLOP_OPS = (
    'aten::add',
    'aten::add_',
    'aten::sub',
    'aten::rsub',
    'aten::lt',
    'aten::ge',
    'aten::__and__',
    'aten::floor',
    'aten::gather',
    'aten::numel',
    'aten::neg',
    'aten::sum',
    'aten::reciprocal',
    'aten::exp',
    'aten::sigmoid',
    'aten::softmax',
    'aten::gelu',
    'aten::leaky_relu_',
    'aten::max_pool2d',
    'aten::dropout',
    'aten::feature_dropout',
    'aten::pad',
    'aten::im2col',
    'aten::repeat',
    'aten::repeat_interleave',
    'aten::expand_as',
    'aten::clamp_min',
    'aten::argmax',
    'aten::ones_like',
    'aten::where',
    'aten::pixel_shuffle',
    'aten::meshgrid',
)


def _numel(value: Any) -> int:
    shape = get_shape(value)
    return prod(shape) if shape is not None else 0


def _is_float(value: Any) -> bool:
    kind = value.type()
    return isinstance(kind, torch._C.TensorType) and kind.scalarType() in _FLOAT_TYPES


def product_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``mul`` / ``div``: one FLOP per floating-point output value, 0 on integers."""
    return _numel(outputs[0]) if _is_float(outputs[0]) else 0


def vector_norm_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``linalg_vector_norm``: one multiply-add (square and sum) per input value."""
    return _numel(inputs[0])


def scatter_add_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``scatter_add(self, dim, index, src)``: one add per value of ``src``."""
    return _numel(inputs[3])


def embedding_bag_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``embedding_bag(weight (N, C), indices, ...)`` in sum mode: one multiply-add per
    summed value, i.e. per index and channel (the bilinear samples of the sampled DCN)."""
    return _numel(inputs[1]) * get_shape(inputs[0])[1]


def deform_conv_flop_count(
    x_shape: list[int], w_shape: list[int], out_shape: list[int], modulated: bool
) -> int:
    """FLOPs of a deformable convolution (see the module docstring).

    Args:
        x_shape: (B, C, H, W) input. w_shape: (O, C / groups, k_h, k_w) weight.
        out_shape: (B, O, H', W') output. modulated: DCNv2 (a mask) rather than DCNv1.
    """
    b, c = x_shape[:2]
    pixels = prod(out_shape[2:])
    macs = b * prod(w_shape) * pixels
    samples = b * c * prod(w_shape[2:]) * pixels
    return macs + (BILINEAR_FLOPS + int(modulated)) * samples


def torchvision_deform_conv_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``torchvision::deform_conv2d(input, weight, offset, mask, bias, stride_h, stride_w,
    pad_h, pad_w, dil_h, dil_w, n_weight_grps, n_offset_grps, use_mask)``."""
    return deform_conv_flop_count(
        get_shape(inputs[0]),
        get_shape(inputs[1]),
        get_shape(outputs[0]),
        bool(inputs[13].toIValue()),
    )


def mmcv_deform_conv_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """mmcv's ``ModulatedDeformConv2dFunction(input, offset, mask, weight, bias)``."""
    return deform_conv_flop_count(
        get_shape(inputs[0]), get_shape(inputs[3]), get_shape(outputs[0]), True
    )


SEGPLUG_FLOP_HANDLES: dict[str, Callable[[list[Any], list[Any]], int]] = {
    'torchvision::deform_conv2d': torchvision_deform_conv_flop_jit,
    'prim::PythonOp.ModulatedDeformConv2dFunction': mmcv_deform_conv_flop_jit,
    'aten::embedding_bag': embedding_bag_flop_jit,
    'aten::mul': product_flop_jit,
    'aten::mul_': product_flop_jit,
    'aten::div': product_flop_jit,
    'aten::div_': product_flop_jit,
    'aten::linalg_vector_norm': vector_norm_flop_jit,
    'aten::scatter_add': scatter_add_flop_jit,
    'aten::scatter_add_': scatter_add_flop_jit,
}


def flop_analyzer(model: nn.Module, inputs: Tensor | tuple[Any, ...]) -> FlopAnalyzer:
    """MMEngine's ``FlopAnalyzer`` with segplug's handles; its warnings off (read
    ``unsupported_ops()`` instead)."""
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.set_op_handle(**SEGPLUG_FLOP_HANDLES)
    analyzer.set_op_handle(**{op: None for op in ZERO_FLOP_OPS})
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer


MODES = ('predict', 'tensor')


@dataclass
class Complexity:
    """What :func:`segmentor_complexity` measured.

    Attributes:
        flops: FLOPs of one forward (multiply-adds, see the module docstring).
        params: parameters of the modules inference uses (the auxiliary heads excluded, as
            MMSegmentation's ``get_flops`` does).
        input_shape: (C, H, W) after the data preprocessor.
        mode: ``'predict'`` or ``'tensor'``.
        by_module: FLOPs of each direct child of the segmentor, and under ``'(segmentor)'``
            what the segmentor computes itself (cluster decoding, the final resize).
        uncounted_ops: ops seen that no handle counts and no decision made free.
    """

    flops: int
    params: int
    input_shape: tuple[int, int, int]
    mode: str
    by_module: dict[str, int] = field(default_factory=dict)
    uncounted_ops: dict[str, int] = field(default_factory=dict)


@contextlib.contextmanager
def _forward_as(model: nn.Module, fn: Callable[[Tensor], Any]) -> Iterator[None]:
    """Trace ``fn`` as ``model``'s forward (an instance attribute, removed afterwards)."""
    model.forward = fn
    try:
        yield
    finally:
        del model.forward


def segmentor_complexity(
    model: nn.Module, shape: tuple[int, int], mode: str = 'predict'
) -> Complexity:
    """FLOPs and parameters of a segmentor on one (3, H, W) image.

    The image goes through the model's data preprocessor in test mode, as in
    MMSegmentation's ``get_flops``. Then:

    * ``'predict'`` traces ``encode_decode``: what inference computes for one image (one
      window of ``slide`` inference), from the normalised image to logits at its size. HC
      models decode through their clusters here, TI models run their superpixel FCN, fusion
      and logit consistency here.
    * ``'tensor'`` traces ``_forward``, MMSegmentation's ``get_flops`` number: the head's
      output before the final resize. HC models decode through their clusters there too;
      TI models leave out the superpixel branch (the tracer drops what the output does not
      depend on).
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    from mmseg.structures import SegDataSample

    meta = dict(ori_shape=tuple(shape), img_shape=tuple(shape), pad_shape=tuple(shape))
    device = next(model.parameters()).device
    data = model.data_preprocessor(
        dict(
            inputs=[torch.rand(3, *shape, device=device)],
            data_samples=[SegDataSample(metainfo=meta)],
        )
    )
    inputs = data['inputs']
    metas = [s.metainfo for s in data['data_samples']]
    if mode == 'predict':

        def fn(x: Tensor) -> Tensor:
            return model.encode_decode(x, metas)
    else:

        def fn(x: Tensor) -> Tensor:
            return model._forward(x)

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), _forward_as(model, fn):
            analyzer = flop_analyzer(model, (inputs,))
            total = int(analyzer.total())
            by_module = {
                name: int(analyzer.total(name))
                for name, _ in model.named_children()
                if name != 'data_preprocessor'
            }
            uncounted = dict(analyzer.unsupported_ops())
    finally:
        model.train(was_training)
    by_module = {k: v for k, v in by_module.items() if v}
    by_module['(segmentor)'] = total - sum(by_module.values())
    counts = parameter_count(model)
    params = counts[''] - counts.get('auxiliary_head', 0)
    return Complexity(
        flops=total,
        params=int(params),
        input_shape=tuple(inputs.shape[1:]),
        mode=mode,
        by_module=by_module,
        uncounted_ops=uncounted,
    )


def format_count(n: float, unit: str = '') -> str:
    """12345678 -> '12.35M' (G, M, K, as MMEngine prints sizes)."""
    for factor, suffix in ((1e12, 'T'), (1e9, 'G'), (1e6, 'M'), (1e3, 'K')):
        if abs(n) >= factor:
            return f'{n / factor:.2f}{suffix}{unit}'
    return f'{n:.0f}{unit}'
