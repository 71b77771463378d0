"""DCNv2 downsampling: equals its pretrained strided conv at init; backends agree."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from segplug.models.utils import DCNv2Downsample


def test_from_conv_equals_conv_at_init() -> None:
    torch.manual_seed(0)
    conv = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False)
    dcn = DCNv2Downsample.from_conv(conv)
    x = torch.randn(2, 8, 13, 10)
    torch.testing.assert_close(dcn(x), conv(x), atol=1e-5, rtol=1e-5)
    assert set(conv.state_dict()) <= set(dcn.state_dict())  # checkpoints of the conv load


def test_offsets_change_the_output() -> None:
    torch.manual_seed(1)
    dcn = DCNv2Downsample(4, 4, 3, stride=2, padding=1)
    nn.init.normal_(dcn.conv_offset.weight, std=0.5)
    conv = nn.Conv2d(4, 4, 3, stride=2, padding=1)
    conv.load_state_dict({k: v for k, v in dcn.state_dict().items() if 'offset' not in k})
    x = torch.randn(1, 4, 9, 9)
    assert (dcn(x) - conv(x)).abs().max() > 1e-3


@pytest.mark.parametrize('backend', ['mmcv', 'sampled', 'auto'])
def test_backends_agree_with_torchvision_on_cpu(backend: str) -> None:
    torch.manual_seed(2)
    tv = DCNv2Downsample(4, 6, 3, stride=2, padding=1, backend='torchvision')
    nn.init.normal_(tv.conv_offset.weight, std=0.3)
    nn.init.normal_(tv.conv_offset.bias, std=0.3)
    other = DCNv2Downsample(4, 6, 3, stride=2, padding=1, backend=backend)
    other.load_state_dict(tv.state_dict())
    x = torch.randn(2, 4, 11, 8, requires_grad=True)
    out_tv, out = tv(x), other(x)
    torch.testing.assert_close(out_tv, out, atol=1e-5, rtol=1e-4)
    g = torch.randn_like(out)
    grads_tv = torch.autograd.grad(out_tv, [x, *tv.parameters()], g)
    grads = torch.autograd.grad(out, [x, *other.parameters()], g)
    for a, b in zip(grads_tv, grads):  # input, weight, bias, offset conv (through offsets)
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-3)


def test_bad_backend() -> None:
    with pytest.raises(ValueError, match='backend must be one of'):
        DCNv2Downsample(4, 4, 3, backend='cuda')


def test_separable_offsets_start_exact_and_learn() -> None:
    """offset_predictor='separable': zero offsets at the start (the conv's output exactly),
    the depthwise part started from a depthwise layer's own kernel, a gradient on the 1x1
    part at once, and the offsets then move the output."""
    torch.manual_seed(0)
    conv = nn.Conv2d(8, 8, 3, 2, 1, groups=8, bias=False).double()
    dcn = DCNv2Downsample.from_conv(conv, offset_predictor='separable').double()
    assert dcn.conv_offset.weight.shape == (27, 8, 1, 1)
    assert torch.equal(dcn.conv_offset.depthwise, conv.weight)
    x = torch.randn(2, 8, 11, 13, dtype=torch.float64, requires_grad=True)
    torch.testing.assert_close(dcn(x), conv(x), atol=1e-12, rtol=0)
    dcn(x).square().sum().backward()
    assert dcn.conv_offset.weight.grad.abs().sum() > 0
    # the prediction is the depthwise conv then the 1x1, with the layer's stride
    with torch.no_grad():
        nn.init.normal_(dcn.conv_offset.weight, std=0.1)
        got = dcn.conv_offset(x)
        y = torch.nn.functional.conv2d(x, conv.weight, None, 2, 1, 1, 8)
        want = torch.nn.functional.conv2d(y, dcn.conv_offset.weight, dcn.conv_offset.bias)
        torch.testing.assert_close(got, want)
        assert (dcn(x) - conv(x)).abs().max() > 1e-3
    # a dense layer's depthwise part is drawn, not copied (shapes differ)
    dense = DCNv2Downsample.from_conv(nn.Conv2d(4, 6, 3, 2, 1), offset_predictor='separable')
    assert dense.conv_offset.depthwise.shape == (4, 1, 3, 3)
    assert dense.conv_offset.depthwise.abs().sum() > 0
    with pytest.raises(ValueError, match="offset_predictor must be one of.*'conv'"):
        DCNv2Downsample(4, 4, 3, 2, 1, offset_predictor='dense')
