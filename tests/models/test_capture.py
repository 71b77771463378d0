"""Copy-safe feature capture (deepcopy, EMA) and HC models that refuse features without
cluster assignments instead of silently becoming bilinear upsampling."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import ExponentialMovingAverage
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

import segplug  # noqa: F401
from segplug.models.decode_heads import HCFPNHead
from segplug.models.necks import HCFPN
from segplug.models.utils.capture import Tap, capture
from tests.helpers import REPO
from tests.models.test_hypercolumn_head import TINY_RESNET, build_segmentor

METAS = [dict(img_shape=(64, 64), pad_shape=(64, 64), ori_shape=(64, 64))]


def hc_model(name: str = 'hcfcn32_r18-v1c.py', **model_overrides) -> nn.Module:
    register_all_modules()
    cfg = Config.fromfile(str(REPO / 'configs/_base_/models' / name))
    cfg.model.decode_head.num_classes = 5
    if cfg.model.get('auxiliary_head'):
        cfg.model.auxiliary_head.num_classes = 5
    cfg.merge_from_dict(dict(model=model_overrides))
    torch.manual_seed(0)
    return MODELS.build(cfg.model).eval()


def no_hooks(model: nn.Module) -> bool:
    return not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_capture_lives_for_one_block_and_clones_on_request() -> None:
    relu = nn.ReLU(inplace=False)
    seq = nn.Sequential(nn.Identity(), relu)
    x = torch.randn(3)
    with capture({'in': Tap(relu, 'input'), 'out': Tap(relu, clone=True)}) as store:
        y = seq(x)
    assert torch.equal(store['in'], x) and torch.equal(store['out'], y)
    assert store['out'] is not y and no_hooks(seq)
    with pytest.raises(ValueError, match="tap 'x': what must be"):
        with capture({'x': Tap(relu, 'grad')}):
            pass
    assert no_hooks(seq)


def test_replicas_sharing_hook_dicts_capture_their_own_activations() -> None:
    """``nn.DataParallel``'s replicas (``_replicate_for_data_parallel``, what ``replicate``
    calls on every module of the tree) share the original's hook dicts: a hook registered
    through one replica fires on every replica. Each capture must still hold its own
    replica's activation."""
    relu = nn.ReLU()
    one, two = relu._replicate_for_data_parallel(), relu._replicate_for_data_parallel()
    assert one is not two and one._forward_hooks is two._forward_hooks  # the sharing itself
    x1, x2 = torch.randn(2, 3), torch.randn(2, 3)
    with capture({'a': Tap(one, 'input')}) as first, capture({'a': Tap(two)}) as second:
        y1 = one(x1)
        y2 = two(x2)  # fires both replicas' hooks: the first capture must not take x2
    assert torch.equal(first['a'], x1)
    assert torch.equal(second['a'], y2) and not torch.equal(second['a'], y1)
    assert no_hooks(relu)


@pytest.mark.parametrize('builder', ['hc', 'features'])
def test_deepcopy_and_ema_of_models_that_capture(builder: str) -> None:
    """A deep copy computes what the original computes, on its own weights: no hook of the
    copy writes into the original's cache (the bug of closures over ``self``)."""
    if builder == 'hc':
        model = hc_model()
        run = lambda m, x: m.encode_decode(x, METAS)  # noqa: E731
    else:
        model = build_segmentor(TINY_RESNET, (3, 8, 16, 32, 64), (0, 1, 3, 4, 5)).eval()
        run = lambda m, x: m.extract_semantic_features(x)  # noqa: E731
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        want = run(model, x)
        twin = copy.deepcopy(model)
        assert no_hooks(model) and no_hooks(twin)
        torch.testing.assert_close(run(twin, x), want, rtol=1e-5, atol=1e-6)
        for p in twin.parameters():
            p.add_(0.05)
        assert not torch.equal(run(twin, x), want)
        torch.testing.assert_close(run(model, x), want, rtol=1e-5, atol=1e-6)
        ema = ExponentialMovingAverage(model, momentum=0.5)  # deep-copies the model
        torch.testing.assert_close(run(ema.module, x), want, rtol=1e-5, atol=1e-6)


def test_hc_segmentor_with_a_plain_neck_names_the_neck() -> None:
    model = hc_model('hcfpn_r18-v1c.py', neck=dict(type='FPN'), decode_head=dict(type='FPNHead'))
    with pytest.raises(ValueError, match=r'the neck \(FPN\) carry no cluster assignments'):
        model.encode_decode(torch.randn(1, 3, 64, 64), METAS)


def test_hc_segmentor_with_a_plain_backbone_names_the_backbone() -> None:
    model = hc_model(backbone=dict(_delete_=True, type='ResNetV1c', depth=18))
    with pytest.raises(ValueError, match=r'the backbone \(ResNetV1c\) carry no cluster'):
        model.encode_decode(torch.randn(1, 3, 64, 64), METAS)


def test_hc_neck_and_head_refuse_plain_tuples() -> None:
    feats = tuple(torch.randn(1, c, s, s) for c, s in zip((8, 16, 32, 64), (16, 8, 4, 2)))
    with pytest.raises(ValueError, match='HCFPN: the features from its backbone'):
        HCFPN([8, 16, 32, 64], 8, 4)(feats)
    head = HCFPNHead(
        in_channels=[8, 8, 8, 8],
        in_index=[0, 1, 2, 3],
        feature_strides=[4, 8, 16, 32],
        channels=8,
        num_classes=3,
    )
    with pytest.raises(ValueError, match='HCFPNHead: the features from its backbone or neck'):
        head(tuple(torch.randn(1, 8, s, s) for s in (16, 8, 4, 2)))
