"""deform_conv2d_sampled equals torchvision's DCNv2, values and gradients (float64)."""

from __future__ import annotations

import pytest
import torch
import torchvision

from segplug.ops import deform_conv2d_sampled


@pytest.mark.parametrize(
    'stride,padding,dilation,size',
    [(2, 1, 1, (11, 8)), (1, 1, 1, (5, 7)), (2, 2, 2, (9, 9)), (1, 0, 1, (4, 3))],
)
def test_matches_torchvision(
    stride: int, padding: int, dilation: int, size: tuple[int, int]
) -> None:
    torch.manual_seed(0)
    x = torch.randn(2, 3, *size, dtype=torch.float64)
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64)
    b = torch.randn(4, dtype=torch.float64)
    ho = (size[0] + 2 * padding - dilation * 2 - 1) // stride + 1
    wo = (size[1] + 2 * padding - dilation * 2 - 1) // stride + 1
    off = torch.randn(2, 18, ho, wo, dtype=torch.float64) * 3  # far outside too
    mask = torch.rand(2, 9, ho, wo, dtype=torch.float64)
    want = torchvision.ops.deform_conv2d(x, off, w, b, stride, padding, dilation, mask)
    got = deform_conv2d_sampled(x, off, w, b, stride, padding, dilation, mask)
    torch.testing.assert_close(got, want)


def test_gradcheck() -> None:
    torch.manual_seed(1)
    args = [
        torch.randn(1, 2, 5, 4, dtype=torch.float64, requires_grad=True),
        (torch.randn(1, 18, 3, 2, dtype=torch.float64) * 0.7).requires_grad_(),
        torch.randn(3, 2, 3, 3, dtype=torch.float64, requires_grad=True),
        torch.randn(3, dtype=torch.float64, requires_grad=True),
        torch.rand(1, 9, 3, 2, dtype=torch.float64, requires_grad=True),
    ]
    assert torch.autograd.gradcheck(
        lambda x, o, w, b, m: deform_conv2d_sampled(x, o, w, b, 2, 1, 1, m), args
    )


def assert_values_and_gradients_match(x, off, w, mask, stride, padding, dilation) -> None:
    """deform_conv2d_sampled equals torchvision's deform_conv2d (no bias), in the output and
    in the gradients of input, weight, offsets and mask for one random output gradient."""
    want = torchvision.ops.deform_conv2d(x, off, w, None, stride, padding, dilation, mask)
    got = deform_conv2d_sampled(x, off, w, None, stride, padding, dilation, mask)
    torch.testing.assert_close(got, want)
    g = torch.randn_like(want)
    for a, b in zip(
        torch.autograd.grad(got, [x, w, off, mask], g),
        torch.autograd.grad(want, [x, w, off, mask], g),
    ):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize('groups', [1, 2, 6])
def test_grouped_and_depthwise_match_torchvision(groups: int) -> None:
    torch.manual_seed(2)
    x = torch.randn(2, 6, 9, 7, dtype=torch.float64, requires_grad=True)
    w = torch.randn(6, 6 // groups, 3, 3, dtype=torch.float64, requires_grad=True)
    off = (torch.randn(2, 18, 5, 4, dtype=torch.float64) * 2).requires_grad_()
    mask = torch.rand(2, 9, 5, 4, dtype=torch.float64, requires_grad=True)
    assert_values_and_gradients_match(x, off, w, mask, 2, 1, 1)


@pytest.mark.parametrize('groups', [1, 3])
def test_non_square_kernel_stride_and_dilation_match_torchvision(groups: int) -> None:
    """A 2x3 kernel with stride (2, 1), padding (1, 0), dilation (1, 2): rows and columns of
    the sample patches cannot be exchanged unnoticed."""
    torch.manual_seed(3)
    x = torch.randn(2, 3, 7, 9, dtype=torch.float64, requires_grad=True)
    w = torch.randn(6, 3 // groups, 2, 3, dtype=torch.float64, requires_grad=True)
    off = (torch.randn(2, 12, 4, 5, dtype=torch.float64) * 2).requires_grad_()
    mask = torch.rand(2, 6, 4, 5, dtype=torch.float64, requires_grad=True)
    assert_values_and_gradients_match(x, off, w, mask, (2, 1), (1, 0), (1, 2))


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize(
    'kernel, padding, size', [(1, 0, (8, 10)), (3, 1, (9, 10)), (3, 1, (16, 20))]
)
def test_offset_gradient_at_zero_offsets_is_torchvisions(
    dtype: torch.dtype, kernel: int, padding: int, size: tuple[int, int]
) -> None:
    """At zero offsets every sample sits on a pixel, where bilinear sampling has a kink: the
    derivative must be the forward difference (torchvision's), whatever the dtype and size,
    or float32 and float64 (and CPU and CUDA) would train differently from the first step."""
    torch.manual_seed(3)
    x = torch.randn(2, 4, *size, dtype=dtype)
    w = torch.randn(5, 4, kernel, kernel, dtype=dtype)
    ho = (size[0] + 2 * padding - kernel) // 2 + 1
    wo = (size[1] + 2 * padding - kernel) // 2 + 1
    off = torch.zeros(2, 2 * kernel**2, ho, wo, dtype=dtype, requires_grad=True)
    mask = torch.ones(2, kernel**2, ho, wo, dtype=dtype)
    g = torch.randn(2, 5, ho, wo, dtype=dtype)
    want = torch.autograd.grad(
        torchvision.ops.deform_conv2d(x, off, w, None, 2, padding, 1, mask), off, g
    )[0]
    got = torch.autograd.grad(deform_conv2d_sampled(x, off, w, None, 2, padding, 1, mask), off, g)[
        0
    ]
    torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize('groups', [1, 2, 6])
def test_export_path_computes_the_same(groups: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under ONNX export the samples come from four gathers (GatherElements), otherwise from
    one embedding_bag: the same values, with and without modulation."""
    torch.manual_seed(4)
    x = torch.randn(2, 6, 9, 7, dtype=torch.float64)
    w = torch.randn(6, 6 // groups, 3, 3, dtype=torch.float64)
    off = torch.randn(2, 18, 5, 4, dtype=torch.float64) * 2
    for mask in (torch.rand(2, 9, 5, 4, dtype=torch.float64), None):
        bag = deform_conv2d_sampled(x, off, w, None, 2, 1, 1, mask)
        monkeypatch.setattr(torch.onnx, 'is_in_onnx_export', lambda: True)
        gathered = deform_conv2d_sampled(x, off, w, None, 2, 1, 1, mask)
        monkeypatch.undo()
        torch.testing.assert_close(bag, gathered)
        if mask is None:
            want = torchvision.ops.deform_conv2d(x, off, w, None, 2, 1, 1)
            torch.testing.assert_close(bag, want)
