"""Registered upsamplers and the heads that take them: identity cases, equivalence with
MMSegmentation's FPN / FPNHead and with HCEncoderDecoder, gradients, errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmseg.models.decode_heads import FPNHead
from mmseg.models.necks import FPN
from mmseg.registry import MODELS

import segplug  # noqa: F401  (registers the modules)
from segplug.models.upsamplers import HCUpsampler, build_upsampler
from segplug.models.utils import HCFeatures
from segplug.ops import cluster_decode, soft_assign
from segplug.ops.upsampling import reassemble
from segplug.utils.flops import flop_analyzer

ODD = [((4, 5), (8, 10)), ((4, 5), (7, 9)), ((1, 2), (2, 3))]


@pytest.mark.parametrize('coarse,size', ODD)
def test_fresh_dysample_is_bilinear(coarse, size):
    up = build_upsampler(dict(type='DySample', groups=4), channels=8)
    x = torch.randn(2, 8, *coarse)
    torch.testing.assert_close(up(x, size), F.interpolate(x, size, mode='bilinear'))


@pytest.mark.parametrize('coarse,size', ODD)
def test_carafe_with_constant_encoder_is_box_mean_then_nearest(coarse, size):
    up = build_upsampler(dict(type='CARAFEUpsampler', up_kernel=3), channels=4)
    torch.nn.init.zeros_(up.encoder.weight)
    torch.nn.init.zeros_(up.encoder.bias)  # equal logits: uniform 3x3 kernels
    x = torch.randn(1, 4, *coarse)
    box = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=True)
    ref = F.interpolate(box, (2 * coarse[0], 2 * coarse[1]))[..., : size[0], : size[1]]
    torch.testing.assert_close(up(x, size), ref)


def test_hc_upsampler_decodes_where_clusters_fit_and_bilinear_elsewhere():
    up = build_upsampler(dict(type='HCUpsampler'), channels=3)
    a = soft_assign(torch.randn(1, 8, 7, 9), torch.randn(1, 8, 4, 5))
    x = torch.randn(1, 3, 4, 5)
    torch.testing.assert_close(up(x, (7, 9), [a]), cluster_decode(x, a))
    fine = torch.randn(1, 3, 7, 9)  # no assignment has seeds of this size: bilinear
    torch.testing.assert_close(
        up(fine, (14, 18), [a]), F.interpolate(fine, (14, 18), mode='bilinear')
    )
    with pytest.raises(ValueError, match='HCUpsampler: no cluster assignments'):
        up(x, (7, 9), None)


@pytest.mark.parametrize(
    'cfg', [dict(type='DySample', groups=2), dict(type='CARAFEUpsampler', compressed_channels=2)]
)
def test_learned_upsamplers_gradcheck(cfg):
    torch.manual_seed(0)
    up = build_upsampler(cfg, channels=4).double()
    for p in up.parameters():  # away from DySample's zero start, so offsets matter
        torch.nn.init.normal_(p, std=0.3)
    x = torch.randn(1, 4, 3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: up(a, (5, 4)), (x,))
    up(x, (5, 4)).square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in up.parameters())


def test_build_errors_name_the_option():
    with pytest.raises(ValueError, match='channels is set by the head'):
        build_upsampler(dict(type='DySample', channels=4), channels=4)
    with pytest.raises(ValueError, match='groups=4 must divide channels=11'):
        build_upsampler(dict(type='DySample'), channels=11)
    with pytest.raises(ValueError, match='cannot upsample'):
        build_upsampler(dict(type='DySample'), channels=4)(torch.randn(1, 4, 3, 3), (9, 9))
    for kernels in (dict(up_kernel=4), dict(encoder_kernel=4)):
        with pytest.raises(ValueError, match='must be odd'):
            build_upsampler(dict(type='CARAFEUpsampler', **kernels), channels=4)


FPN_CFG = dict(in_channels=[8, 16, 32], out_channels=8, num_outs=3)
HEAD_CFG = dict(
    in_channels=[8, 8, 8],
    in_index=[0, 1, 2],
    feature_strides=[4, 8, 16],
    channels=6,
    num_classes=3,
    norm_cfg=dict(type='BN'),
)


def pyramid(size=(16, 16)):
    return [torch.randn(2, c, size[0] // 2**i, size[1] // 2**i) for i, c in enumerate([8, 16, 32])]


def test_bilinear_fpn_and_head_equal_mmsegmentation():
    """Nearest / bilinear upsamplers are MMSegmentation's FPN and FPNHead, same weights."""
    torch.manual_seed(0)
    neck = MODELS.build(
        dict(
            type='UpsamplerFPN', **FPN_CFG, upsampler=dict(type='BilinearUpsampler', mode='nearest')
        )
    )
    ref_neck = FPN(**FPN_CFG)
    ref_neck.load_state_dict(neck.state_dict())
    head = MODELS.build(dict(type='UpsamplerFPNHead', **HEAD_CFG)).eval()
    ref_head = FPNHead(**HEAD_CFG).eval()
    ref_head.load_state_dict(head.state_dict())
    x = pyramid()
    feats = neck(x)
    for a, b in zip(feats, ref_neck(x)):
        torch.testing.assert_close(a, b)
    torch.testing.assert_close(head(feats), ref_head(feats))


def test_fpn_passes_assignments_and_hc_head_decodes():
    torch.manual_seed(1)
    # odd sizes, each level the ceil-size seed map of the next finer one
    x = [torch.randn(2, c, *s) for c, s in zip([8, 16, 32], [(15, 13), (8, 7), (4, 4)])]
    assignments = [
        soft_assign(torch.randn(2, 4, 8, 7), torch.randn(2, 4, 4, 4)),
        soft_assign(torch.randn(2, 4, 15, 13), torch.randn(2, 4, 8, 7)),
    ]
    hc = dict(type='HCUpsampler')
    neck = MODELS.build(dict(type='UpsamplerFPN', **FPN_CFG, upsampler=hc))
    head = MODELS.build(dict(type='UpsamplerFPNHead', **HEAD_CFG, upsampler=hc)).eval()
    feats = neck(HCFeatures(x, assignments))
    assert isinstance(feats, HCFeatures) and feats.assignments is assignments
    assert head(feats).shape == (2, 3, 15, 13)
    with pytest.raises(ValueError, match='HCUpsampler'):
        head(tuple(feats))


def hcfcn32_model(segmentor: dict) -> torch.nn.Module:
    cfg = Config.fromfile('configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py')
    cfg.model.update(segmentor)
    return MODELS.build(cfg.model).eval()


def test_hc_logits_have_one_segmentor_path():
    """HCUpsampler on the logits path is refused with HCEncoderDecoder named: one segmentor
    decodes HC logits."""
    for upsampler in (dict(type='HCUpsampler'), dict(type=HCUpsampler)):
        with pytest.raises(ValueError, match="type='HCEncoderDecoder'"):
            hcfcn32_model(
                dict(type='UpsamplerEncoderDecoder', upsample_steps=2, upsampler=upsampler)
            )


def test_hc_encoder_decoder_equals_two_hc_upsampler_steps():
    """HCEncoderDecoder's decoding (Eq. 3) = FCN-32 logits through two HCUpsampler steps, the
    module the FPN neck and head use: the segmentor and the FPN share one decoding."""
    torch.manual_seed(2)
    model = hcfcn32_model(dict(type='HCEncoderDecoder'))
    x = torch.randn(1, 3, 75, 61)
    with torch.no_grad():
        feats = model.extract_feat(x)
        logits = model.decode_head.forward(feats)
        up = HCUpsampler()
        assert logits.shape[-2:] == (3, 2)  # stride 32 of 75x61; then 16: (5, 4), 8: (10, 8)
        want = up(up(logits, (5, 4), feats.assignments), (10, 8), feats.assignments)
        out = model._forward(x)
    torch.testing.assert_close(out, want)
    assert out.shape[-2:] == (10, 8)  # stride 8 of 75x61 (ceil at every stride-2 step)


def test_logit_upsampler_steps_need_finer_features():
    model = hcfcn32_model(
        dict(
            type='UpsamplerEncoderDecoder',
            upsample_steps=4,
            upsampler=dict(type='DySample', groups=1),
        )
    )
    with pytest.raises(ValueError, match='upsample_steps=4'):
        model._forward(torch.randn(1, 3, 64, 64))


class _Reassemble(torch.nn.Module):
    def forward(self, x, kernels):
        return reassemble(x, kernels, 5, 2)


def test_flops_of_learned_upsamplers_are_all_counted():
    x, kernels = torch.randn(1, 3, 4, 5), torch.rand(1, 25, 7, 9)
    analyzer = flop_analyzer(_Reassemble(), (x, kernels))
    # one product per tap and value of the whole cells (8x10: the cropped half cells count)
    assert analyzer.total() == 25 * 3 * 8 * 10
    assert not analyzer.unsupported_ops()
    for cfg in [dict(type='DySample', groups=2), dict(type='CARAFEUpsampler')]:
        up = build_upsampler(cfg, channels=4)
        analyzer = flop_analyzer(up, (torch.randn(1, 4, 4, 5), (7, 9)))
        assert analyzer.total() > 0 and not analyzer.unsupported_ops(), cfg
