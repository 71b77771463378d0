"""HCFPN and HCFPNHead: FPN's arithmetic, with the upsampling through the clusters."""

from __future__ import annotations

import torch
from mmseg.models.decode_heads import FPNHead
from mmseg.models.necks import FPN
from mmseg.models.utils import resize

import segplug  # noqa: F401
from segplug.models.decode_heads import HCFPNHead
from segplug.models.necks import HCFPN
from segplug.models.utils import HCFeatures
from segplug.ops import cluster_decode

CH = [8, 16, 32, 64]
SIZES = [(17, 24), (9, 12), (5, 6), (3, 3)]  # strides 4..32 of a 67x93 input


def inputs(with_assignments: bool) -> tuple:
    torch.manual_seed(0)
    feats = [torch.randn(2, c, *s) for c, s in zip(CH, SIZES)]
    a16 = torch.softmax(torch.randn(2, 9, *SIZES[2]), 1).requires_grad_()  # 16 -> from 32
    a8 = torch.softmax(torch.randn(2, 9, *SIZES[1]), 1).requires_grad_()  # 8 -> from 16
    return HCFeatures(feats, [a16, a8] if with_assignments else []), (a16, a8)


def test_neck_without_assignments_is_fpn() -> None:
    fpn, hc = FPN(CH, 16, 4), HCFPN(CH, 16, 4)
    hc.load_state_dict(fpn.state_dict())
    x, _ = inputs(False)
    for a, b in zip(fpn(list(x)), hc(x)):
        torch.testing.assert_close(a, b)


def test_neck_top_down_through_clusters() -> None:
    hc = HCFPN(CH, 16, 4)
    x, (a16, a8) = inputs(True)
    out = hc(x)
    lat = [conv(f) for conv, f in zip(hc.lateral_convs, x)]
    lat[2] = lat[2] + cluster_decode(lat[3], a16)
    lat[1] = lat[1] + cluster_decode(lat[2], a8)
    lat[0] = lat[0] + resize(lat[1], size=SIZES[0], mode='nearest')
    for got, conv, want in zip(out, hc.fpn_convs, lat):
        torch.testing.assert_close(got, conv(want))
    assert out.assignments == x.assignments
    out[0].sum().backward()
    assert a16.grad is not None and a8.grad is not None


def test_head_without_assignments_is_fpnhead_and_uses_them_otherwise() -> None:
    kw = dict(
        in_channels=[16] * 4,
        in_index=[0, 1, 2, 3],
        feature_strides=[4, 8, 16, 32],
        channels=8,
        num_classes=3,
    )
    torch.manual_seed(1)
    plain, hc = FPNHead(**kw).eval(), HCFPNHead(**kw).eval()
    hc.load_state_dict(plain.state_dict())
    feats = [torch.randn(2, 16, *s) for s in SIZES]
    torch.testing.assert_close(plain(feats), hc(HCFeatures(feats, [])))
    _, (a16, a8) = inputs(True)
    out = hc(HCFeatures(feats, [a16, a8]))
    assert out.shape == (2, 3, *SIZES[0])
    assert not torch.allclose(out, plain(feats))
    out.sum().backward()
    assert a16.grad is not None and a8.grad is not None
