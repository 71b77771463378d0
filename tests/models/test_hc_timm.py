"""The clustering around timm backbones (ResNet, ConvNeXt, ResNeSt), odd sizes included."""

from __future__ import annotations

import pytest
import torch
from mmseg.registry import MODELS

import segplug  # noqa: F401
from segplug.ops import hierarchical_decode


@pytest.mark.parametrize('name', ['resnet18', 'convnext_atto', 'resnest14d'])
def test_features_and_assignments(name: str) -> None:
    torch.manual_seed(0)
    backbone = MODELS.build(dict(type='HCTimmBackbone', model_name=name, hc_levels=2))
    x = torch.randn(2, 3, 67, 93)
    feats = backbone(x)
    plain = backbone.timm_model(x)
    for a, b in zip(feats, plain):  # the timm model's own features, unchanged
        torch.testing.assert_close(a, b)
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
