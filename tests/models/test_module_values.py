"""Model modules by value at their configured (and default, paper) hyperparameters: the
architecture constants the paper fixes, the option boundaries, TI's identity for every
activation path, and the superpixel segmentor against the ops it wraps."""

from __future__ import annotations

import copy
import sys

import pytest
import torch
import torch.nn as nn
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

from segplug.models import (
    CPPKLLoss,
    HypercolumnHead,
    SemanticFeatureLoss,
    SoftIoULoss,
    SuperpixelFCN,
    TIFusionHead,
)
from segplug.models.utils import SeeThroughActivation, TransparentLayers
from segplug.ops import hard_superpixels, superpixel_loss
from segplug.ops.superpixel_fcn import rgb_to_lab


def test_superpixel_fcn_defaults_are_the_reference() -> None:
    net = SuperpixelFCN()
    assert net.grid((80, 48)) == (5, 3)  # S = 16
    assert net.enc[0][0][0].out_channels == 16  # base width 16, stage i: 16 * 2^i
    assert [s[1][0].out_channels for s in net.enc] == [16, 32, 64, 128, 256]
    assert len(net.up) == len(net.fuse) == 4  # one skip fusion per downsampling
    assert net.pred.out_channels == 9


def test_superpixel_fcn_prediction_is_centred_on_its_pixel() -> None:
    """The 3x3 prediction layer answers a feature at (y, x) at (y-1..y+1, x-1..x+1): its
    association scores are aligned with the image (a padding of 2 would shift them by one
    pixel after the crop to (H, W))."""
    net = SuperpixelFCN(base_channels=4).eval()
    delta = torch.zeros(1, 4, 32, 32)
    delta[0, :, 10, 20] = 1.0
    net.pred.register_forward_pre_hook(lambda m, args: (delta,))
    with torch.no_grad():
        out = net.forward_logits(torch.zeros(1, 3, 32, 32)) - net.pred.bias[None, :, None, None]
    ys, xs = torch.nonzero(out.abs().sum((0, 1)) > 0, as_tuple=True)
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (9, 11, 19, 21)


def test_hypercolumn_head_defaults_are_the_papers() -> None:
    head = HypercolumnHead()
    assert head.in_index == [0, 1, 3, 4, 5]
    assert head.widths == [4, 124, 128, 256, 512] and head.feat_dim == 128
    assert head.channels == 512
    for block in head.compress:  # 3x3 convolutions, same size out
        assert block.conv.kernel_size == (3, 3) and block.conv.padding == (1, 1)


def test_ti_fusion_head_takes_the_nine_association_channels() -> None:
    head = TIFusionHead(num_classes=3)
    assert head.ti.widths == [12, 12, 12, 12]


@pytest.mark.parametrize('ratio, ok', [(0.0, True), (1.0, True), (-1e-6, False), (1.000001, False)])
def test_cpp_kl_max_ignore_ratio_bounds(ratio: float, ok: bool) -> None:
    if ok:
        assert CPPKLLoss(max_ignore_ratio=ratio).max_ignore_ratio == ratio
    else:
        with pytest.raises(ValueError, match='max_ignore_ratio must be in'):
            CPPKLLoss(max_ignore_ratio=ratio)


def test_soft_iou_defaults() -> None:
    loss = SoftIoULoss()
    assert loss.native_resolution is False and loss.loss_name == 'loss_iou'


def test_pixel_metric_loss_defaults_are_the_papers() -> None:
    loss = SemanticFeatureLoss()
    assert (loss.num_instances, loss.num_pixels, loss.repeats) == (3, 1000, 10)


@pytest.mark.parametrize(
    'feats, labels',
    [
        ((2, 4, 5, 6), (2, 5, 7)),  # labels of another size
        ((4, 5, 6), (4, 5, 6)),
    ],
)  # features without batch
def test_pixel_metric_loss_checks_shapes(feats, labels) -> None:
    with pytest.raises(ValueError, match=r'feats must be \(B, d, H, W\) and labels \(B, H, W\)'):
        SemanticFeatureLoss()(torch.randn(feats), torch.zeros(labels, dtype=torch.long))


def test_pixel_metric_loss_seeds_by_rank(monkeypatch) -> None:
    monkeypatch.setattr(sys.modules[SemanticFeatureLoss.__module__], 'get_rank', lambda: 2)
    loss = SemanticFeatureLoss(num_pixels=4, repeats=1, seed=5)
    loss(torch.randn(1, 3, 4, 4), torch.zeros(1, 4, 4, dtype=torch.long))
    assert loss.generator.initial_seed() == 7


# ---- TransparentLayers: identity at initialisation on every activation path ----


@pytest.mark.parametrize(
    'act_cfg, see_through',
    [
        (dict(type='Softplus'), False),
        (dict(type='LogSigmoid'), False),  # registered here
        (None, False),
        (dict(type='GELU'), True),
        (dict(type='ReLU'), True),
        (dict(type='LeakyReLU'), False),  # mmcv's default slope 0.01 sets the odd part
        (dict(type='LeakyReLU', negative_slope=0.2), False),
    ],
)
def test_transparent_layers_are_the_identity(act_cfg, see_through: bool) -> None:
    ti = TransparentLayers([5, 7, 5], act_cfg, see_through, conv=True, seed=0, precision='float64')
    x = torch.randn(2, 5, 3, 4, dtype=torch.float64)
    torch.testing.assert_close(ti(x), x)
    assert ti.layers[0].out_channels == (7 if act_cfg is None else 14)
    if act_cfg is not None:
        assert isinstance(ti.acts[0], SeeThroughActivation) is see_through


def test_transparent_layers_default_to_1x1_convolutions() -> None:
    ti = TransparentLayers([5, 6, 5], seed=0)
    assert isinstance(ti.layers[0], nn.Conv2d) and ti.layers[0].kernel_size == (1, 1)
    x = torch.randn(2, 5, 3, 4)
    torch.testing.assert_close(ti(x), x, atol=1e-5, rtol=1e-5)


def test_softplus_and_logsigmoid_are_registered() -> None:
    assert MODELS.get('Softplus') is nn.Softplus and MODELS.get('LogSigmoid') is nn.LogSigmoid


def test_see_through_activation_by_value() -> None:
    z0, z1 = torch.randn(2, 3, 4), torch.randn(2, 3, 4)
    out = SeeThroughActivation(nn.Tanh())(torch.cat([z0, z1], 1))
    torch.testing.assert_close(out, torch.cat([torch.tanh(z0), torch.tanh(z0) + z1], 1))
    last = SeeThroughActivation(nn.Tanh(), dim=-1)(torch.cat([z0, z1], -1))
    torch.testing.assert_close(last, torch.cat([torch.tanh(z0), torch.tanh(z0) + z1], -1))


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(precision='float16'), 'precision=.float16.'),
        (dict(act_cfg=dict(type='NoSuchAct')), 'is not a registered activation'),
        (dict(act_cfg=dict(type='GELU')), 'has no odd linear part'),
    ],
)
def test_transparent_layers_refuse_bad_options(kwargs, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TransparentLayers([4, 4, 4], **kwargs)


# ---- the superpixel segmentor against the ops it wraps ----

PREPROCESSOR = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(24, 30),
)


def superpixel_segmentor(**kw):
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='SuperpixelNetSegmentor',
            superpixel_net=dict(type='SuperpixelFCN', base_channels=4, cell_size=6),
            num_labels=4,
            m=0.1,
            data_preprocessor=PREPROCESSOR,
            **kw,
        )
    )
    model.init_weights()
    return model


def test_colour_term_is_eq1_on_the_lab_colours_of_the_raw_image() -> None:
    model = superpixel_segmentor(colour_weight=0.3)
    g = torch.Generator().manual_seed(0)
    raw = torch.randint(0, 256, (3, 24, 30), generator=g, dtype=torch.uint8)
    sample = SegDataSample(metainfo=dict(img_shape=(24, 30), ori_shape=(24, 30)))
    sample.gt_sem_seg = PixelData(data=torch.randint(0, 4, (1, 24, 30), generator=g))
    data = model.data_preprocessor(dict(inputs=[raw], data_samples=[sample]), True)
    model.train()
    losses = model(**copy.deepcopy(data), mode='loss')
    assoc = model.superpixel_net(data['inputs'])
    rgb = raw.flip(0).float()[None] / 255  # BGR file order -> RGB
    expected = 0.3 * superpixel_loss(assoc, rgb_to_lab(rgb), 6, m=0.0, distance='l2')[0]
    torch.testing.assert_close(losses['loss_colour'], expected, rtol=1e-4, atol=1e-6)


def test_predicted_superpixels_are_resized_to_the_original_image() -> None:
    model = superpixel_segmentor().eval()
    inputs = torch.randn(1, 3, 24, 30)
    sample = SegDataSample(metainfo=dict(img_shape=(24, 30), ori_shape=(48, 60)))
    with torch.no_grad():
        out = model.predict(inputs, [sample])[0]
        hard = hard_superpixels(model.superpixel_net(inputs), 6)[0]
    expected = hard.repeat_interleave(2, 0).repeat_interleave(2, 1)  # nearest, x2
    assert torch.equal(out.pred_superpixels.data[0], expected)
    assert torch.equal(out.pred_sem_seg.data, out.pred_superpixels.data)


def test_joint_segmentor_exclude_ignored_changes_the_consistency() -> None:
    """``exclude_ignored=True`` leaves ignore-labelled pixels out of the superpixel means, so
    the loss at the labelled pixels of mixed superpixels differs from the default's."""
    base = dict(
        type='JointSuperpixelSegmentor',
        data_preprocessor=PREPROCESSOR,
        superpixel_net=dict(type='SuperpixelFCN', base_channels=4, cell_size=6),
        backbone=dict(
            type='ResNetV1c',
            depth=18,
            base_channels=8,
            stem_channels=8,
            out_indices=(3,),
            strides=(1, 2, 1, 1),
            dilations=(1, 1, 2, 4),
        ),
        decode_head=dict(
            type='FCNHead',
            in_channels=64,
            channels=8,
            num_convs=1,
            num_classes=3,
            dropout_ratio=0.0,
            loss_decode=dict(type='CrossEntropyLoss'),
        ),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'),
    )
    g = torch.Generator().manual_seed(0)
    raw = torch.randint(0, 256, (3, 24, 30), generator=g, dtype=torch.uint8)
    sample = SegDataSample(metainfo=dict(img_shape=(24, 30), ori_shape=(24, 30)))
    labels = torch.randint(0, 3, (1, 24, 30), generator=g)
    labels[:, :, :13] = 255  # cuts through the 6-pixel cells
    sample.gt_sem_seg = PixelData(data=labels)
    losses = []
    for exclude in (False, True):
        register_all_modules(init_default_scope=True)
        torch.manual_seed(0)
        model = MODELS.build({**base, 'exclude_ignored': exclude})
        model.init_weights()
        model.train()
        data = model.data_preprocessor(dict(inputs=[raw], data_samples=[sample]), True)
        losses.append(float(model(**data, mode='loss')['decode.loss_ce']))
    assert losses[0] != pytest.approx(losses[1], rel=1e-6)
