"""Export an :class:`ExportWrapper` to ONNX, check the file, and compare it with PyTorch.

The exporter is torch's TorchScript-based one (``torch.onnx.export(..., dynamo=False)``).
torch 2.14's default, the dynamo exporter, was tried on the same models: it needs
onnxscript, took 20-70 s instead of 2-6 s for an R18 model on this machine, writes opset 18
at the least (its conversion down to 17 fails), and bakes the same traced sizes in
(adaptive pooling, ``Upsample``), so it needs the same rewrites. The TorchScript exporter is
deprecated but present in torch 2.14; :mod:`segplug.deployment.rewrites` makes what it gets
wrong right, and every export is compared with PyTorch in ONNX Runtime.
"""

from __future__ import annotations

import contextlib
import io
import os
import os.path as osp
import re
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor
from torch.overrides import TorchFunctionMode

from .rewrites import REWRITES, export_rewrites
from .wrapper import ExportWrapper

# GridSample (DySample) and ScatterElements with reduction='add' (logit consistency) need
# opset 16
MIN_OPSET = 16


class ExportError(RuntimeError):
    """A model that does not export: the message names the op and the module that calls it."""


@dataclass
class ExportResult:
    path: str
    opset: int
    dynamic: bool
    fp16: bool
    input_shape: tuple[int, int, int, int]
    output: str
    seconds: float


def example_input(shape: Sequence[int], batch: int = 1, seed: int = 0) -> Tensor:
    """(batch, 3, H, W) float32 pixels in [0, 255]: the trace's input (its values do not
    matter, only its size)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 3, *shape, generator=gen) * 255


def _validate(
    wrapper: ExportWrapper, path: str, shape: Sequence[int], dynamic: bool, opset: int, force: bool
) -> None:
    if opset < MIN_OPSET:
        raise ValueError(
            f'opset {opset} is too old: segplug models need >= {MIN_OPSET} '
            '(GridSample for DySample, ScatterElements with reduction=add for '
            'logit consistency)'
        )
    if len(shape) != 2 or any(int(s) < 1 for s in shape):
        raise ValueError(f'shape must be two positive sizes H W, got {tuple(shape)}')
    if dynamic and wrapper.slide:
        raise ValueError(
            'test_cfg.mode=slide computes its windows from the traced size: '
            'export it without --dynamic, or with '
            '--cfg-options model.test_cfg.mode=whole'
        )
    if osp.exists(path) and not force:
        raise FileExistsError(f'{path} exists: pass --force (force=True) to overwrite it')


def export_onnx(
    wrapper: ExportWrapper,
    path: str,
    shape: Sequence[int],
    batch: int = 1,
    dynamic: bool = False,
    opset: int = 17,
    fp16: bool = False,
    force: bool = False,
    rewrites: Sequence[str] | None = None,
) -> ExportResult:
    """Trace ``wrapper`` on a (batch, 3, H, W) input and write ONNX to ``path``.

    Args:
        shape: (H, W) of the traced input; with ``dynamic``, batch, H and W are free in the
            exported model (any size: the DCNv2 samples by gathers, which need no
            minimum size).
        opset: ONNX opset (>= 16).
        fp16: trace under ``torch.autocast('cpu', torch.float16)``: convolutions and
            matmuls in float16 and segplug's float32 islands (soft clustering, DCNv2
            sampling, logit consistency) in float32, as mixed-precision training runs them.
            Input and output stay float32.
        force: overwrite an existing file.
        rewrites: names of :data:`~segplug.deployment.rewrites.REWRITES` to apply (all by
            default; ``[]`` exports the model as it is).

    Raises:
        FileExistsError: ``path`` exists and not ``force``.
        ValueError: bad arguments (opset, shape, a sliding-window model with ``dynamic``).
        ExportError: the model does not export, naming the op and the module.
    """
    _validate(wrapper, path, shape, dynamic, opset, force)
    x = example_input(shape, batch)
    output = 'labels' if wrapper.argmax else 'logits'
    axes = None
    if dynamic:
        spatial = {0: 'batch', 2: 'height', 3: 'width'}
        axes = {
            'img': spatial,
            output: spatial if not wrapper.argmax else {0: 'batch', 1: 'height', 2: 'width'},
        }
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    part = path + '.part'
    start = time.perf_counter()
    precision = (
        torch.autocast('cpu', dtype=torch.float16, cache_enabled=False)
        if fp16
        else contextlib.nullcontext()
    )
    try:
        # the exporter prints its whole graph to stdout when it fails: kept out of the way
        with (
            export_rewrites(rewrites, opset),
            torch.no_grad(),
            precision,
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            # TracerWarnings flag Python values taken from tensors; the comparison with
            # PyTorch at a second size (check_parity) is what catches a baked-in size
            warnings.simplefilter('ignore')
            torch.onnx.export(
                wrapper.eval(),
                (x,),
                part,
                dynamo=False,
                opset_version=opset,
                input_names=['img'],
                output_names=[output],
                dynamic_axes=axes,
                do_constant_folding=True,
            )
    except Exception as e:
        if osp.exists(part):
            os.remove(part)
        raise ExportError(describe_failure(wrapper, x, e, opset)) from e
    os.replace(part, path)
    return ExportResult(
        path, opset, dynamic, fp16, tuple(x.shape), output, time.perf_counter() - start
    )


# -- naming what failed -----------------------------------------------------------------

_OP_PATTERNS = (r"operator '?(?:aten::)?([A-Za-z0-9_]+)'?", r'aten::([A-Za-z0-9_]+)')


def failed_op(error: BaseException) -> str | None:
    """The ATen op an exporter error is about, if its message names one."""
    text = str(error)
    for pattern in _OP_PATTERNS:
        match = re.search(pattern, text)
        if match:
            return match.group(1).rstrip('_')
    return None


class _CallSites(TorchFunctionMode):
    """Records, for each torch function, the module paths it is called from."""

    def __init__(self, stack: list[str]) -> None:
        super().__init__()
        self.stack, self.sites = stack, {}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, '__name__', str(func)).rstrip('_')
        where = self.stack[-1] if self.stack else '(top level)'
        self.sites.setdefault(name, [])
        if where not in self.sites[name]:
            self.sites[name].append(where)
        return func(*args, **(kwargs or {}))


@contextlib.contextmanager
def _module_stack(model: nn.Module) -> Iterator[list[str]]:
    stack: list[str] = []
    handles = []

    def enter(label: str):
        def hook(_module, _args) -> None:
            stack.append(label)

        return hook

    def leave(_module, _args, _out) -> None:  # a hook returning a value would replace _out
        stack.pop()

    for name, module in model.named_modules():
        handles.append(
            module.register_forward_pre_hook(
                enter(f'{name or "(model)"} ({type(module).__name__})')
            )
        )
        handles.append(module.register_forward_hook(leave))
    try:
        yield stack
    finally:
        for handle in handles:
            handle.remove()


def call_sites(model: nn.Module, x: Tensor) -> dict[str, list[str]]:
    """{torch function name: [innermost module calling it, ...]} over one forward."""
    with _module_stack(model) as stack, torch.no_grad():
        mode = _CallSites(stack)
        with mode:
            model(x)
    return mode.sites


def describe_failure(wrapper: ExportWrapper, x: Tensor, error: BaseException, opset: int) -> str:
    """'<module> calls <op>, which does not export to ONNX opset N: <exporter message>'."""
    first = next(
        (line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__
    )
    first = first[:400]
    op = failed_op(error)
    if op is None:
        return f'export to ONNX opset {opset} failed: {type(error).__name__}: {first}'
    try:
        sites = call_sites(wrapper, x).get(op, [])
    except Exception:  # the diagnosis must not hide the export error
        sites = []
    where = ', '.join(s.replace('segmentor.', '', 1) for s in sites[:4]) or 'an unknown module'
    return (
        f'{where} calls {op}, which does not export to ONNX opset {opset} '
        f'({type(error).__name__}: {first})'
    )


# -- checking ---------------------------------------------------------------------------


def check_model(path: str) -> None:
    """``onnx.checker`` on the file (with shape inference): raises on an invalid model."""
    import onnx

    onnx.checker.check_model(path, full_check=True)


@dataclass
class Parity:
    """ONNX Runtime against PyTorch on one input."""

    shape: tuple[int, ...]
    max_abs_diff: float
    label_agreement: float  # share of pixels whose argmax label is the same

    def ok(self, atol: float = 1e-4, agreement: float = 0.9999) -> bool:
        return self.max_abs_diff <= atol and self.label_agreement >= agreement

    def __str__(self) -> str:
        return (
            f'{self.shape}: max |ORT - PyTorch| = {self.max_abs_diff:.2e}, '
            f'labels equal on {100 * self.label_agreement:.4f}% of pixels'
        )


def compare(reference: np.ndarray, result: np.ndarray, argmax: bool) -> Parity:
    """Parity of an ONNX Runtime ``result`` with the PyTorch ``reference`` (same shapes)."""
    if reference.shape != result.shape:
        raise ValueError(f'ONNX Runtime returned shape {result.shape}, PyTorch {reference.shape}')
    if argmax:
        return Parity(
            reference.shape,
            float(np.abs(reference - result).max()),
            float((reference == result).mean()),
        )
    diff = float(np.abs(reference.astype(np.float64) - result).max())
    return Parity(reference.shape, diff, float((reference.argmax(1) == result.argmax(1)).mean()))


def check_parity(wrapper: ExportWrapper, runner, images: Sequence[np.ndarray]) -> list[Parity]:
    """Run each (B, 3, H, W) float32 image through PyTorch and ``runner`` (an
    :class:`~segplug.deployment.ort_runner.OrtRunner`); one :class:`Parity` each."""
    out = []
    for img in images:
        with torch.no_grad():
            reference = wrapper(torch.from_numpy(img)).numpy()
        out.append(compare(reference, runner(img), wrapper.argmax))
    return out


def available_rewrites() -> list[str]:
    return sorted(REWRITES)
