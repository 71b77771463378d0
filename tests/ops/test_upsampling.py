"""DySample's point sampling and CARAFE's reassembly against loop references."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from segplug.ops import cluster_decode, soft_assign
from segplug.ops.upsampling import point_sample_upsample, reassemble

SIZES = [((4, 5), (8, 10)), ((4, 5), (7, 9)), ((3, 3), (5, 6)), ((1, 1), (2, 1))]


def bilinear_border_ref(img: torch.Tensor, x: float, y: float) -> torch.Tensor:
    """(C, h, w) read at input-pixel coordinates (x, y), coordinates clamped to the image."""
    h, w = img.shape[-2:]
    x, y = min(max(x, 0.0), w - 1), min(max(y, 0.0), h - 1)
    x0, y0 = math.floor(x), math.floor(y)
    x1, y1 = min(x0 + 1, w - 1), min(y0 + 1, h - 1)
    ax, ay = x - x0, y - y0
    return (1 - ay) * ((1 - ax) * img[:, y0, x0] + ax * img[:, y0, x1]) + ay * (
        (1 - ax) * img[:, y1, x0] + ax * img[:, y1, x1]
    )


def point_sample_ref(x: torch.Tensor, offset: torch.Tensor, groups: int) -> torch.Tensor:
    """Output pixel by output pixel: base position (i + 0.5) h / H - 0.5 plus its offset."""
    b, c, h, w = x.shape
    hh, ww = offset.shape[-2:]
    out = torch.zeros(b, c, hh, ww, dtype=x.dtype)
    cg = c // groups
    for n, g, i, j in itertools.product(range(b), range(groups), range(hh), range(ww)):
        px = (j + 0.5) * w / ww - 0.5 + float(offset[n, 2 * g, i, j])
        py = (i + 0.5) * h / hh - 0.5 + float(offset[n, 2 * g + 1, i, j])
        out[n, g * cg : (g + 1) * cg, i, j] = bilinear_border_ref(
            x[n, g * cg : (g + 1) * cg], px, py
        )
    return out


def reassemble_ref(x: torch.Tensor, kernels: torch.Tensor, k: int, s: int) -> torch.Tensor:
    """Output pixel (i, j): sum over taps of kernel * input at cell (i // s, j // s) + tap."""
    b, c, h, w = x.shape
    hh, ww = kernels.shape[-2:]
    out = torch.zeros(b, c, hh, ww, dtype=x.dtype)
    for i, j, n in itertools.product(range(hh), range(ww), range(k * k)):
        y, xx = i // s + n // k - k // 2, j // s + n % k - k // 2
        if 0 <= y < h and 0 <= xx < w:
            out[:, :, i, j] += kernels[:, n : n + 1, i, j] * x[:, :, y, xx]
    return out


@pytest.mark.parametrize('coarse,size', SIZES)
def test_point_sample_zero_offset_is_bilinear(coarse, size):
    x = torch.randn(2, 4, *coarse)
    out = point_sample_upsample(x, torch.zeros(2, 4, *size), groups=2)
    torch.testing.assert_close(out, F.interpolate(x, size, mode='bilinear', align_corners=False))


@pytest.mark.parametrize('coarse,size', SIZES)
def test_point_sample_matches_reference(coarse, size):
    torch.manual_seed(0)
    x = torch.randn(1, 4, *coarse, dtype=torch.float64)
    offset = torch.randn(1, 4, *size, dtype=torch.float64)  # some land outside: border
    torch.testing.assert_close(
        point_sample_upsample(x, offset, groups=2), point_sample_ref(x, offset, 2)
    )


def test_point_sample_gradcheck():
    torch.manual_seed(1)
    x = torch.randn(1, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    # offsets away from integer positions, where bilinear sampling has a kink
    offset = (0.3 * torch.rand(1, 2, 5, 6, dtype=torch.float64) + 0.1).requires_grad_()
    assert torch.autograd.gradcheck(lambda a, o: point_sample_upsample(a, o, 1), (x, offset))


def test_point_sample_rejects_bad_groups():
    with pytest.raises(ValueError, match='groups=3'):
        point_sample_upsample(torch.randn(1, 4, 2, 2), torch.zeros(1, 6, 4, 4), groups=3)


@pytest.mark.parametrize('grad', [False, True])  # shifted products / batched (training) path
@pytest.mark.parametrize('k', [1, 3, 5])
@pytest.mark.parametrize('coarse,size', SIZES)
def test_reassemble_matches_reference(k, coarse, size, grad):
    torch.manual_seed(2)
    x = torch.randn(2, 3, *coarse, dtype=torch.float64)
    kernels = torch.randn(2, k * k, *size, dtype=torch.float64, requires_grad=grad)
    torch.testing.assert_close(
        reassemble(x, kernels, k, 2), reassemble_ref(x, kernels.detach(), k, 2)
    )


def test_reassemble_uniform_kernels_are_box_mean_then_nearest():
    x = torch.randn(1, 3, 4, 5)
    uniform = torch.full((1, 25, 8, 10), 1 / 25)
    box = F.avg_pool2d(x, 5, stride=1, padding=2, count_include_pad=True)  # zero padding
    torch.testing.assert_close(reassemble(x, uniform, 5, 2), F.interpolate(box, (8, 10)))
    torch.testing.assert_close(
        reassemble(x, torch.ones(1, 1, 8, 10), 1, 2), F.interpolate(x, (8, 10), mode='nearest')
    )


def test_hc_decoding_is_reassembly_with_cluster_kernels():
    """Eq. 2 is CARAFE's reassembly with 3x3 kernels from the soft clustering."""
    torch.manual_seed(3)
    coarse = torch.randn(1, 5, 4, 3)
    a = soft_assign(torch.randn(1, 8, 7, 6), torch.randn(1, 8, 4, 3))
    torch.testing.assert_close(reassemble(coarse, a, 3, 2), cluster_decode(coarse, a))


def test_reassemble_gradcheck():
    torch.manual_seed(4)
    x = torch.randn(1, 2, 2, 3, dtype=torch.float64, requires_grad=True)
    kernels = torch.randn(1, 9, 3, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, k: reassemble(a, k, 3, 2), (x, kernels))


def test_reassemble_rejects_sizes():
    with pytest.raises(ValueError, match=r'cannot upsample \(4, 5\) by 2 to \(10, 10\)'):
        reassemble(torch.randn(1, 1, 4, 5), torch.ones(1, 1, 10, 10), 1, 2)
    with pytest.raises(ValueError, match='odd'):
        reassemble(torch.randn(1, 1, 4, 5), torch.ones(1, 4, 8, 10), 2, 2)
