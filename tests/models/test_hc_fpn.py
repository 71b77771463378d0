"""HCFPN and HCFPNHead: FPN's arithmetic, with the upsampling through the clusters."""

from __future__ import annotations

import pytest
import torch
from mmcv.cnn import ConvModule
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


HEAD_KW = dict(
    in_channels=[16] * 4,
    in_index=[0, 1, 2, 3],
    feature_strides=[4, 8, 16, 32],
    channels=8,
    num_classes=3,
)


def test_head_without_clusters_is_fpnhead_at_even_sizes() -> None:
    """No assignment fits: every step is FPNHead's x2 bilinear (even sizes: exact x2)."""
    torch.manual_seed(1)
    plain, hc = FPNHead(**HEAD_KW).eval(), HCFPNHead(**HEAD_KW).eval()
    hc.load_state_dict(plain.state_dict())
    feats = [torch.randn(2, 16, 4 * 2**k, 6 * 2**k) for k in (3, 2, 1, 0)]
    torch.testing.assert_close(plain(feats), hc(HCFeatures(feats, [])))


def _head_reference(head: HCFPNHead, feats: list, decode: dict) -> torch.Tensor:
    """Slow reference: each scale head's convs, and between them the step from level l to
    l - 1 as ``decode[l]`` if given (a cluster decoding), else bilinear to level l - 1's size.
    """
    out = head.scale_heads[0](feats[0])
    for i in range(1, 4):
        y, level = feats[i], i
        for m in head.scale_heads[i]:
            if isinstance(m, ConvModule):
                y = m(y)
                continue
            step = decode.get(level)
            level -= 1
            y = step(y) if step else resize(y, size=SIZES[level], mode='bilinear')
        out = out + y
    return head.cls_seg(out)


def test_head_decodes_through_clusters_and_resizes_the_rest_to_each_level() -> None:
    torch.manual_seed(1)
    hc = HCFPNHead(**HEAD_KW).eval()
    feats = [torch.randn(2, 16, *s) for s in SIZES]  # odd sizes: 9x12 -> 17x24
    _, (a16, a8) = inputs(True)
    out = hc(HCFeatures(feats, [a16, a8]))
    decode = {3: lambda y: cluster_decode(y, a16), 2: lambda y: cluster_decode(y, a8)}
    torch.testing.assert_close(out, _head_reference(hc, feats, decode))
    torch.testing.assert_close(hc(HCFeatures(feats, [])), _head_reference(hc, feats, {}))
    out.sum().backward()
    assert a16.grad is not None and a8.grad is not None


def test_hc_fpn_parts_refuse_another_upsampler() -> None:
    with pytest.raises(ValueError, match='HCFPN: the upsampler is HCUpsampler'):
        HCFPN(CH, 16, 4, upsampler=dict(type='DySample'))
    with pytest.raises(ValueError, match='HCFPNHead: the upsampler is HCUpsampler'):
        HCFPNHead(upsampler=dict(type='DySample'), **HEAD_KW)
