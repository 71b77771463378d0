"""segplug/deployment/rewrites.py: each export-time rewrite against the op it replaces, and
the floor-division symbolic in ONNX Runtime."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.utils import Upsample

from segplug.deployment.rewrites import (
    REWRITES,
    adaptive_avg_pool2d_matmul,
    adaptive_pool_matrix,
    conv1x1_matmul,
    export_rewrites,
    upsample_forward,
)

ort = pytest.importorskip('onnxruntime')


def adaptive_pool_reference(x: torch.Tensor, out: tuple[int, int]) -> torch.Tensor:
    """Adaptive average pooling written the obvious way: one mean per bin."""
    h, w = x.shape[-2:]
    rows = []
    for i in range(out[0]):
        y0, y1 = i * h // out[0], -(-(i + 1) * h // out[0])
        rows.append(
            torch.stack(
                [
                    x[..., y0:y1, j * w // out[1] : -(-(j + 1) * w // out[1])].mean((-2, -1))
                    for j in range(out[1])
                ],
                -1,
            )
        )
    return torch.stack(rows, -2)


@pytest.mark.parametrize('size', [(16, 32), (17, 29), (2, 5), (1, 1), (64, 128)])
@pytest.mark.parametrize('out', [(1, 1), (2, 2), (3, 3), (6, 6), (3, 6)])
def test_adaptive_avg_pool2d_matmul(size: tuple[int, int], out: tuple[int, int]) -> None:
    x = torch.randn(2, 3, *size, dtype=torch.float64)
    expected = F.adaptive_avg_pool2d(x, out)
    torch.testing.assert_close(adaptive_avg_pool2d_matmul(x, out), expected)
    torch.testing.assert_close(adaptive_pool_reference(x, out), expected)


def test_adaptive_avg_pool2d_matmul_forms() -> None:
    x = torch.randn(3, 10, 7)  # (C, H, W), an int size, a None entry
    torch.testing.assert_close(adaptive_avg_pool2d_matmul(x, 3), F.adaptive_avg_pool2d(x, 3))
    torch.testing.assert_close(
        adaptive_avg_pool2d_matmul(x, (None, 2)), F.adaptive_avg_pool2d(x, (None, 2))
    )
    m = adaptive_pool_matrix(7, 3, torch.float64)
    torch.testing.assert_close(m.sum(1), torch.ones(3, dtype=torch.float64))


@pytest.mark.parametrize('mode,align', [('bilinear', False), ('bilinear', True), ('nearest', None)])
@pytest.mark.parametrize('factor', [2, 4.0])
def test_upsample_forward(mode: str, align: bool | None, factor) -> None:
    up = Upsample(scale_factor=factor, mode=mode, align_corners=align)
    x = torch.randn(1, 4, 5, 7)
    assert torch.equal(upsample_forward(up, x), up(x))


def test_upsample_forward_falls_back() -> None:
    x = torch.randn(1, 2, 5, 7)
    for up in (Upsample(scale_factor=1.5, mode='bilinear'), Upsample(size=(9, 9))):
        assert torch.equal(upsample_forward(up, x), up(x))


def test_conv1x1_matmul() -> None:
    conv = nn.Conv2d(6, 4, 1).double()
    x = torch.randn(2, 6, 5, 3, dtype=torch.float64)
    torch.testing.assert_close(conv1x1_matmul(x, conv.weight, conv.bias), conv(x))
    torch.testing.assert_close(conv1x1_matmul(x, conv.weight, None), F.conv2d(x, conv.weight))


def test_conv_rewrite_only_for_float64_1x1() -> None:
    convs = [
        nn.Conv2d(4, 4, 1).double(),
        nn.Conv2d(4, 4, 1),
        nn.Conv2d(4, 4, 3, padding=1).double(),
        nn.Conv2d(4, 4, 1, stride=2).double(),
    ]
    x = torch.randn(1, 4, 6, 6, dtype=torch.float64)
    expected = [c(x.to(c.weight.dtype)) for c in convs]
    with export_rewrites(['conv1x1_float64']):
        got = [c(x.to(c.weight.dtype)) for c in convs]
    for g, e in zip(got, expected):
        torch.testing.assert_close(g, e)


def test_export_rewrites_restore() -> None:
    originals = {n: getattr(r.owner, r.attr) for n, r in REWRITES.items()}
    with pytest.raises(RuntimeError):
        with export_rewrites():
            assert F.adaptive_avg_pool2d is adaptive_avg_pool2d_matmul
            raise RuntimeError('inside')
    assert {n: getattr(r.owner, r.attr) for n, r in REWRITES.items()} == originals
    with pytest.raises(ValueError, match='unknown rewrites'):
        with export_rewrites(['no_such_rewrite']):
            pass


class _CeilDiv(nn.Module):
    """Sizes the way the superpixel grid computes them: ceil by negated floor division."""

    def forward(self, x: torch.Tensor, ints: torch.Tensor) -> tuple[torch.Tensor, ...]:
        h = -(-x.shape[2] // 16)
        return (torch.zeros(1, h) + 1, ints // 3, torch.floor_divide(ints, -4), x // 0.75)


@pytest.mark.parametrize('with_symbolic', [True, False])
def test_floor_divide_symbolic(tmp_path, with_symbolic: bool) -> None:
    """torch's own aten::floor_divide symbolic truncates; ours floors (negative operands)."""
    path = str(tmp_path / 'div.onnx')
    ints = torch.arange(-9, 10)
    x = torch.randn(1, 1, 32, 4)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        context = export_rewrites([]) if with_symbolic else torch.no_grad()
        with context:
            torch.onnx.export(
                _CeilDiv(),
                (x, ints),
                path,
                dynamo=False,
                opset_version=17,
                input_names=['x', 'ints'],
                dynamic_axes={'x': {2: 'h'}, 'ints': {0: 'n'}},
            )
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    x = torch.randn(1, 1, 33, 4)
    got = session.run(None, {'x': x.numpy(), 'ints': ints.numpy()})
    expected = [t.numpy() for t in _CeilDiv()(x, ints)]
    same = [g.shape == e.shape and np.array_equal(g, e) for g, e in zip(got, expected)]
    assert all(same) if with_symbolic else not all(same)
