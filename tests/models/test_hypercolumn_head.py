"""HypercolumnHead, SemanticFeatureLoss, SemanticFeatureEncoderDecoder (SSS semantic features)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import segplug  # noqa: F401
from segplug.models.decode_heads import HypercolumnHead
from segplug.models.losses import SemanticFeatureLoss
from segplug.ops import connected_instances, sampled_metric_loss

register_all_modules(init_default_scope=True)

TINY_RESNET = dict(
    type='ResNetV1c', depth=18, stem_channels=8, base_channels=8, norm_cfg=dict(type='BN')
)


def tiny_head(**kw) -> HypercolumnHead:
    cfg = dict(
        in_channels=(3, 8, 16, 32, 64),
        widths=(2, 3, 4, 5, 6),
        channels=7,
        feat_dim=5,
        in_index=(0, 1, 3, 4, 5),
        dropout_ratio=0.0,
    )
    cfg.update(kw)
    head = HypercolumnHead(**cfg)
    head.init_weights()
    return head


def fake_inputs(h: int = 37, w: int = 45) -> list[torch.Tensor]:
    """[image, pool1, res2, res3, res4, res5] at ResNet's strides (ceil sizes)."""
    torch.manual_seed(0)
    sizes = [(h, w)] + [(-(-h // s), -(-w // s)) for s in (4, 4, 8, 16, 32)]
    chans = (3, 8, 8, 16, 32, 64)
    return [torch.randn(2, c, *hw) for c, hw in zip(chans, sizes)]


def test_head_equals_the_paper_order_concat_then_1x1() -> None:
    """Fused (1x1 conv per branch, then upsample) == Fig. 1 (upsample, concat, 1x1 conv)."""
    head = tiny_head().eval()
    inputs = fake_inputs()
    out = head(inputs)
    assert out.shape == (2, 5, 37, 45)
    # Fig. 1 by hand: compress, upsample, concatenate, one 1x1 conv, ReLU, 1x1 conv
    size = inputs[0].shape[-2:]
    branches = [
        F.interpolate(c(inputs[i]), size, mode='bilinear', align_corners=False)
        for c, i in zip(head.compress, head.in_index)
    ]
    cat = torch.cat(branches, 1)
    weight = torch.cat([r.weight for r in head.reduce], 1)  # (channels, sum(widths), 1, 1)
    assert weight.shape[1] == sum(head.widths) == cat.shape[1]
    ref = head.conv_seg(F.relu(F.conv2d(cat, weight, head.reduce[0].bias)))
    assert torch.allclose(out, ref, atol=1e-5)
    head.fuse_upsample = False
    assert torch.allclose(head(inputs), ref, atol=1e-5)


def test_head_rejects_bad_widths() -> None:
    with pytest.raises(ValueError, match='widths'):
        tiny_head(widths=(2, 3, 4))
    with pytest.raises(ValueError, match='widths'):
        tiny_head(widths=(2, 3, 0, 5, 6))
    with pytest.raises(ValueError, match='feat_dim'):
        tiny_head(feat_dim=0)
    with pytest.raises(ValueError, match='num_pixels'):
        SemanticFeatureLoss(num_pixels=0)
    with pytest.raises(ValueError, match='reduction'):
        SemanticFeatureLoss(reduction='mean')


def test_pixel_metric_loss_is_seeded_eq1_and_skips_unlabelled_images() -> None:
    torch.manual_seed(0)
    feats = torch.randn(3, 4, 10, 12, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 3, (3, 10, 12))
    labels[1] = 255  # a crop of Unlabelled only: no pairs from it
    loss = SemanticFeatureLoss(num_instances=2, num_pixels=6, repeats=3, seed=5, loss_weight=2.0)
    value = loss(feats, labels)
    again = SemanticFeatureLoss(num_instances=2, num_pixels=6, repeats=3, seed=5, loss_weight=2.0)(
        feats, labels
    )
    assert torch.equal(value, again)  # its own generator: the global RNG does not matter
    g = torch.Generator().manual_seed(5)
    ref = [sampled_metric_loss(feats[i], labels[i], None, 2, 6, 3, generator=g) for i in (0, 2)]
    assert torch.allclose(value, 2.0 * (ref[0] + ref[1]) / 2)
    value.backward()
    assert feats.grad[1].abs().sum() == 0 and feats.grad[0].abs().sum() > 0
    empty = loss(feats, torch.full((3, 10, 12), 255))
    assert empty.item() == 0 and empty.requires_grad


def samples(n: int, size: tuple[int, int], num_classes: int = 4) -> list[SegDataSample]:
    out = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size, pad_shape=size))
        lab = torch.zeros(1, *size, dtype=torch.long)
        lab[:, : size[0] // 2] = 1
        lab[:, :, : size[1] // 3] = 2
        lab[:, -3:] = 255
        s.gt_sem_seg = PixelData(data=lab)
        out.append(s)
    return out


def build_segmentor(backbone: dict, in_channels, in_index, taps=('maxpool',)):
    cfg = dict(
        type='SemanticFeatureEncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[0.0] * 3, std=[1.0] * 3),
        backbone=backbone,
        decode_head=dict(
            type='FCNHead',
            in_channels=in_channels[-1],
            channels=8,
            num_convs=1,
            num_classes=4,
            in_index=-1,
            concat_input=False,
            norm_cfg=dict(type='BN'),
        ),
        tap_modules=list(taps),
        test_cfg=ConfigDict(mode='whole'),
        feature_head=dict(
            type='HypercolumnHead',
            in_channels=in_channels,
            widths=[4] * len(in_index),
            channels=8,
            feat_dim=6,
            in_index=in_index,
            dropout_ratio=0.0,
            loss_decode=dict(type='SemanticFeatureLoss', num_instances=3, num_pixels=20, repeats=2),
        ),
    )
    model = MODELS.build(cfg)
    model.init_weights()
    return model


@pytest.mark.parametrize('size', [(64, 64), (45, 59)])
def test_segmentor_trains_features_beside_the_decode_head(size) -> None:
    model = build_segmentor(TINY_RESNET, (3, 8, 16, 32, 64), (0, 1, 3, 4, 5))
    inputs = torch.randn(2, 3, *size)
    data = samples(2, size)
    losses = model.loss(inputs, data)
    assert {'decode.loss_ce', 'feat.loss_metric'} <= set(losses)
    total = losses['decode.loss_ce'] + losses['feat.loss_metric']
    assert torch.isfinite(total)
    losses['feat.loss_metric'].backward()
    # the metric loss reaches every branch, the tapped stem and the backbone
    for m in (
        model.feature_head.compress[0],
        model.feature_head.compress[1],
        model.backbone.stem,
        model.backbone.layer4,
    ):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in m.parameters())
    model.eval()
    feats = model.extract_semantic_features(inputs)
    assert feats.shape == (2, 6, *size)
    # the taps live for one pass: no hook (and no activation) stays on the backbone
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.backbone.modules())
    with torch.no_grad():
        pred = model.predict(inputs, samples(2, size))
    assert pred[0].pred_sem_seg.data.shape == (1, *size)


def test_segmentor_with_a_transformer_backbone() -> None:
    """Any MMSegmentation backbone with multi-scale outputs: SegFormer's MiT, no taps."""
    mit = dict(
        type='MixVisionTransformer',
        embed_dims=8,
        num_layers=[1, 1, 1, 1],
        num_heads=[1, 2, 4, 8],
        sr_ratios=[8, 4, 2, 1],
    )
    model = build_segmentor(mit, (3, 8, 16, 32, 64), (0, 1, 2, 3, 4), taps=())
    inputs = torch.randn(1, 3, 50, 66)
    losses = model.loss(inputs, samples(1, (50, 66)))
    losses['feat.loss_metric'].backward()
    assert model.extract_semantic_features(inputs).shape == (1, 6, 50, 66)


def test_instance_maps_from_the_data_sample_are_used() -> None:
    head = tiny_head(
        loss_decode=dict(
            type='SemanticFeatureLoss', num_instances=2, num_pixels=4, repeats=1, seed=1
        )
    )
    feats = torch.randn(1, 5, 6, 6, dtype=torch.float64)
    s = samples(1, (6, 6))[0]
    s.gt_sem_seg.data[:] = 0  # one class, one component ...
    s.gt_instance_map = PixelData(data=(torch.arange(36).view(1, 6, 6) % 2))  # ... 2 instances
    value = head.loss_by_feat(feats, [s])['loss_metric']
    g = torch.Generator().manual_seed(1)
    ref = sampled_metric_loss(
        feats[0], s.gt_sem_seg.data[0], s.gt_instance_map.data[0], 2, 4, 1, generator=g
    )
    assert torch.allclose(value, ref)
    without = torch.Generator().manual_seed(1)
    comp = torch.from_numpy(connected_instances(s.gt_sem_seg.data[0]))
    assert comp.max() == 0  # connected components would have given one instance only
    assert not torch.allclose(
        value, sampled_metric_loss(feats[0], s.gt_sem_seg.data[0], comp, 2, 4, 1, generator=without)
    )


def test_bad_tap_name_raises() -> None:
    with pytest.raises(ValueError, match='tap_modules'):
        build_segmentor(TINY_RESNET, (3, 8, 16, 32, 64), (0, 1, 3, 4, 5), taps=('pool1',))


@pytest.mark.parametrize(
    'old, new',
    [
        ('FeatureEncoderDecoder', 'SemanticFeatureEncoderDecoder'),
        ('PixelMetricLoss', 'SemanticFeatureLoss'),
    ],
)
def test_old_registry_names_build_the_renamed_classes(old: str, new: str) -> None:
    from mmseg.registry import MODELS

    assert MODELS.get(old) is MODELS.get(new)
    assert MODELS.get(new).__name__ == new
    loss_cfg = dict(num_instances=2, num_pixels=10, repeats=1)
    if new == 'SemanticFeatureLoss':
        assert type(MODELS.build(dict(type=old, **loss_cfg))) is type(
            MODELS.build(dict(type=new, **loss_cfg))
        )


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(num_instances=0), 'num_instances must be an integer >= 1, got 0'),
        (dict(num_pixels=2.5), 'num_pixels must be an integer >= 1, got 2.5'),
        (dict(repeats=0), 'repeats must be an integer >= 1, got 0'),
        (dict(reduction='mean'), "reduction must be one of .*, got 'mean'"),
        (dict(connectivity=3), 'connectivity must be 1 or 2, got 3'),
    ],
)
def test_semantic_feature_loss_refuses_bad_options(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SemanticFeatureLoss(**kwargs)
    SemanticFeatureLoss(connectivity=1)  # both connectivities are fine
