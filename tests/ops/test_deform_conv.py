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
