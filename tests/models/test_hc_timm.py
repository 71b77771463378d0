"""The clustering around timm backbones (ResNet, ConvNeXt, ResNeSt, EfficientNet-Lite), odd
sizes included; the DCNv2 downsampling starts exactly where the timm model was."""

from __future__ import annotations

import pytest
import timm
import torch
import torch.nn as nn
from mmseg.registry import MODELS

import segplug  # noqa: F401
from segplug.models.utils import DCNv2Downsample
from segplug.ops import hierarchical_decode


def _plain_twin(backbone: nn.Module, name: str) -> nn.Module:
    """The timm model without DCN, holding ``backbone``'s weights."""
    plain = timm.create_model(name, features_only=True, pretrained=False)
    state = {k: v for k, v in backbone.timm_model.state_dict().items() if 'conv_offset' not in k}
    plain.load_state_dict(state, strict=True)
    return plain


@pytest.mark.parametrize(
    'name, use_dcn',
    [
        ('resnet18', True),
        ('convnext_atto', True),
        ('resnest14d', False),
        ('tf_efficientnet_lite0', True),
    ],
)
def test_features_and_assignments(name: str, use_dcn: bool) -> None:
    torch.manual_seed(0)
    backbone = MODELS.build(
        dict(type='HCTimmBackbone', model_name=name, hc_levels=2, use_dcn=use_dcn)
    ).eval()
    x = torch.randn(2, 3, 67, 93)
    feats = backbone(x)
    plain = _plain_twin(backbone, name).eval()(x)
    for a, b in zip(feats, plain):  # the timm model's own features, unchanged at the start
        torch.testing.assert_close(a, b, atol=2e-5, rtol=1e-4)
    assert len(feats.assignments) == 2
    for a, (i, _) in zip(feats.assignments, reversed(backbone.pairs)):
        assert a.shape[-2:] == feats[i].shape[-2:]
        torch.testing.assert_close(a.sum(1), torch.ones(2, *a.shape[-2:]))
    logits = torch.randn(2, 4, *feats[-1].shape[-2:])
    decoded = hierarchical_decode(logits, feats.assignments, strict=False)
    assert decoded.shape[-2:] == feats[backbone.pairs[0][0]].shape[-2:]
    torch.testing.assert_close(decoded, hierarchical_decode(logits, feats.assignments))
    (decoded.mean() + feats[-1].mean()).backward()
    assert all(p.grad is not None for p in backbone.clusterings.parameters())


def test_too_many_levels() -> None:
    with pytest.raises(ValueError, match='hc_levels=5, but convnext_atto'):
        MODELS.build(dict(type='HCTimmBackbone', model_name='convnext_atto', hc_levels=5))
    # Lite0's strides 2/4/8/16/32 give 4 stride-doubling pairs: all 4 may be clustered
    lite = dict(type='HCTimmBackbone', model_name='tf_efficientnet_lite0')
    assert MODELS.build(dict(lite, hc_levels=4)).pairs == [(0, 1), (1, 2), (2, 3), (3, 4)]
    for bad in (0, 5):
        with pytest.raises(ValueError, match=f'hc_levels={bad}, but tf_efficientnet_lite0'):
            MODELS.build(dict(lite, hc_levels=bad))


def test_resnest_pools_instead_of_striding() -> None:
    with pytest.raises(ValueError, match='resnest14d has no strided convolution'):
        MODELS.build(dict(type='HCTimmBackbone', model_name='resnest14d', hc_levels=2))


@pytest.mark.parametrize(
    'name, levels, expected',
    [
        ('tf_efficientnet_lite0', 2, ['blocks.3.0.conv_dw', 'blocks.5.0.conv_dw']),
        (
            'tf_efficientnet_lite0',
            3,
            ['blocks.2.0.conv_dw', 'blocks.3.0.conv_dw', 'blocks.5.0.conv_dw'],
        ),
        # ResNet: the strided 3x3 and the strided 1x1 shortcut of conv4_x / conv5_x
        (
            'resnet18',
            2,
            ['layer3.0.conv1', 'layer3.0.downsample.0', 'layer4.0.conv1', 'layer4.0.downsample.0'],
        ),
    ],
)
def test_which_convolutions_become_deformable(name: str, levels: int, expected: list) -> None:
    backbone = MODELS.build(dict(type='HCTimmBackbone', model_name=name, hc_levels=levels))
    assert sorted(backbone.dcn_layers) == expected
    deformable = sorted(
        n for n, m in backbone.timm_model.named_modules() if isinstance(m, DCNv2Downsample)
    )
    assert deformable == expected
    for n in expected:  # the stem and the unclustered stages stay plain
        conv = backbone.timm_model.get_submodule(n)
        assert conv.stride == (2, 2)


@pytest.mark.parametrize('size', [(64, 64), (67, 93), (97, 75)])
def test_efficientnet_imagenet_start_is_exact(size: tuple[int, int]) -> None:
    """With the packaged weights, the HC backbone's features are the pretrained model's,
    through TF "same" padding on odd sizes and depthwise DCNv2: in float64 to 1e-10 (a
    one-pixel shift of the padding or a kernel not copied would be off by O(1)); in float32
    to its rounding through 16 blocks."""
    kw = dict(model_name='tf_efficientnet_lite0', pretrained='efficientnet-lite0')
    hc = MODELS.build(dict(type='HCTimmBackbone', hc_levels=3, **kw)).eval()
    ref = MODELS.build(dict(type='PretrainedTimmBackbone', **kw)).eval()
    x = torch.randn(1, 3, *size)
    with torch.no_grad():
        for a, b in zip(hc(x), ref(x)):
            torch.testing.assert_close(a, b, atol=2e-4, rtol=1e-3)
        hc.double(), ref.double()
        out, expected = hc(x.double()), ref(x.double())
        for a, b in zip(out, expected):
            torch.testing.assert_close(a, b, atol=1e-10, rtol=1e-10)
        # the deformable layers are live: offsets move the stride-32 features
        dcn = hc.timm_model.get_submodule('blocks.5.0.conv_dw')
        nn.init.normal_(dcn.conv_offset.weight, std=0.05)
        assert (hc(x.double())[-1] - expected[-1]).abs().max() > 1e-2


def test_separable_offsets_cut_hc_flops_and_keep_the_exact_start() -> None:
    """Lite0's strided depthwise DCNs with the separable offset predictor: the same features
    at the start, and HC's offset predictors cost under a tenth of DCNv2's full ones."""
    from segplug.utils.flops import flop_analyzer

    kw = dict(model_name='tf_efficientnet_lite0', pretrained='efficientnet-lite0')
    full = MODELS.build(dict(type='HCTimmBackbone', hc_levels=2, **kw)).eval()
    sep = MODELS.build(
        dict(type='HCTimmBackbone', hc_levels=2, dcn_offset_predictor='separable', **kw)
    ).eval()
    x = torch.randn(1, 3, 96, 128)
    with torch.no_grad():
        for a, b in zip(sep(x), full(x)):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)

    def offsets(model: nn.Module) -> float:
        by_module = flop_analyzer(model, (x,)).by_module()
        return sum(v for k, v in by_module.items() if k.endswith('conv_offset'))

    assert 0 < offsets(sep) < offsets(full) / 10


def test_strided_convs_gives_each_strided_conv_its_integer_output_stride() -> None:
    import timm

    from segplug.models.backbones.hc_timm import strided_convs

    got = strided_convs(timm.create_model('resnet18', features_only=True, pretrained=False))
    assert got == {
        'conv1': 2,  # the stem; the max-pool (not a convolution) makes stride 4
        'layer2.0.conv1': 8,
        'layer2.0.downsample.0': 8,
        'layer3.0.conv1': 16,
        'layer3.0.downsample.0': 16,
        'layer4.0.conv1': 32,
        'layer4.0.downsample.0': 32,
    }
    assert all(type(v) is int for v in got.values())
