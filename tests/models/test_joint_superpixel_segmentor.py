"""Joint superpixel segmentor: at step 0 it reproduces the pretrained model's loss (TI), the
superpixel FCN trains jointly, predictions carry superpixels; the BSDS500 pretraining model."""

from __future__ import annotations

import copy

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import segplug  # noqa: F401
from segplug.models.backbones.superpixel_fcn import SuperpixelFCN
from segplug.ops import hard_superpixels, superpixel_loss

NUM_CLASSES = 5
BASE = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=(40, 48),
    ),
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        base_channels=8,
        stem_channels=8,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        contract_dilation=True,
    ),
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        in_channels=64,
        in_index=3,
        channels=16,
        dilations=(1, 2, 3, 4),
        c1_in_channels=8,
        c1_channels=4,
        dropout_ratio=0.0,
        num_classes=NUM_CLASSES,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0),
    ),
    train_cfg=dict(),
    test_cfg=ConfigDict(mode='whole'),
)
SPNET = dict(type='SuperpixelFCN', base_channels=4, cell_size=6)


def joint_cfg(**kw) -> dict:
    cfg = copy.deepcopy(BASE)
    cfg.update(type='JointSuperpixelSegmentor', superpixel_net=SPNET, **kw)
    return cfg


def batch(size=(37, 45), n=2) -> dict:
    g = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size, pad_shape=size))
        lab = torch.randint(0, NUM_CLASSES, (1, *size), generator=g)
        lab[:, :3] = 255
        s.gt_sem_seg = PixelData(data=lab)
        samples.append(s)
    return dict(
        inputs=[
            torch.randint(0, 256, (3, *size), generator=g, dtype=torch.uint8) for _ in range(n)
        ],
        data_samples=samples,
    )


def build(cfg: dict, state: dict | None = None):
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    if state is not None:
        missing, unexpected = model.load_state_dict(state, strict=False)
        assert not unexpected
    return model


def losses_of(model, data) -> dict:
    model.train()
    prepared = model.data_preprocessor(copy.deepcopy(data), True)
    return model(**prepared, mode='loss')


def test_step0_loss_equals_pretrained() -> None:
    data = batch()
    pretrained = build(BASE)
    ref = losses_of(pretrained, data)['decode.loss_ce']
    state = pretrained.state_dict()
    # joined with TI, no consistency: exactly the pretrained model's loss
    joint = build(
        joint_cfg(fusion=dict(type='TIFusionHead', hidden=(32, 24)), consistency=False), state
    )
    got = losses_of(joint, data)['decode.loss_ce']
    assert abs(float(got) - float(ref)) < 1e-4
    # with random 1x1 layers instead it would not be: TI is what makes the two agree
    with torch.no_grad():
        for layer in joint.fusion.ti.layers:
            torch.nn.init.xavier_uniform_(layer.weight)
    assert abs(float(losses_of(joint, data)['decode.loss_ce']) - float(ref)) > 1e-2


def test_step0_loss_with_consistency_equals_sp_model() -> None:
    data = batch()
    state = build(BASE).state_dict()
    sp_only = build(joint_cfg(fusion=None), state)  # the paper's "SP" row
    sp_state = sp_only.state_dict()
    ti = build(
        joint_cfg(
            fusion=dict(type='TIFusionHead', precision='float64'),
            superpixel_loss=dict(loss_weight=1.0, m=0.01),
        ),
        sp_state,
    )
    ref, got = losses_of(sp_only, data), losses_of(ti, data)
    assert abs(float(got['decode.loss_ce']) - float(ref['decode.loss_ce'])) < 1e-4
    assert set(got) >= {'superpixel.loss_recon', 'superpixel.loss_pos'}
    total = sum(v for k, v in got.items() if 'loss' in k)
    total.backward()
    for name in ('superpixel_net', 'fusion', 'backbone', 'decode_head'):
        grads = [p.grad for p in getattr(ti, name).parameters() if p.grad is not None]
        assert grads and any(g.abs().sum() > 0 for g in grads), name


def test_predict_is_consistent_and_has_superpixels() -> None:
    data = batch(size=(37, 45), n=1)
    model = build(joint_cfg(fusion=dict(type='TIFusionHead')))
    model.eval()
    with torch.no_grad():
        out = model.test_step(data)[0]
    pred, sp = out.pred_sem_seg.data[0], out.pred_superpixels.data[0]
    assert pred.shape == sp.shape == (37, 45)
    for s in sp.unique():  # one label per superpixel (Eq. 13)
        assert pred[sp == s].unique().numel() == 1


@pytest.mark.parametrize('size', [(37, 45), (16, 16), (5, 70)])
def test_superpixel_fcn_any_size(size: tuple[int, int]) -> None:
    net = SuperpixelFCN(base_channels=4, cell_size=5)
    q = net(torch.randn(2, 3, *size))
    assert q.shape == (2, 9, *size)
    torch.testing.assert_close(q.sum(1), torch.ones(2, *size))
    with pytest.raises(ValueError, match='cell_size=0'):
        SuperpixelFCN(cell_size=0)


def test_superpixel_net_segmentor_trains_and_predicts() -> None:
    cfg = dict(
        type='SuperpixelNetSegmentor',
        superpixel_net=SPNET,
        num_labels=NUM_CLASSES,
        m=0.1,
        colour_weight=0.01,
        data_preprocessor=BASE['data_preprocessor'],
    )
    model = build(cfg)
    data = batch()
    losses = losses_of(model, data)
    assert set(losses) == {'loss_recon', 'loss_pos', 'loss_colour'}
    sum(losses.values()).backward()
    assert all(torch.isfinite(v) for v in losses.values())
    model.eval()
    with torch.no_grad():
        out = model.test_step(batch(n=1))[0]
    assert out.pred_superpixels.data.shape == (1, 37, 45)


def test_superpixel_fcn_owns_cell_size_and_the_segmentors_ask_it() -> None:
    spnet = dict(SPNET, cell_size=8)
    joint = build(joint_cfg(fusion=None) | dict(superpixel_net=spnet))
    alone = build(
        dict(
            type='SuperpixelNetSegmentor',
            superpixel_net=spnet,
            num_labels=NUM_CLASSES,
            data_preprocessor=BASE['data_preprocessor'],
        )
    )
    for model in (joint, alone):
        # the network owns its grid: nothing reads S back (tell, don't ask)
        assert not hasattr(model, 'cell_size') and not hasattr(model.superpixel_net, 'cell_size')
        net = model.superpixel_net
        assert net.grid((17, 32)) == (3, 4) and net.num_superpixels((17, 32)) == 12
        assoc = net(torch.randn(1, 3, 17, 32))
        assert torch.equal(net.hard_superpixels(assoc), hard_superpixels(assoc, 8))
        props = torch.rand(1, 2, 17, 32)
        got = net.reconstruction_loss(assoc, props, m=0.1, distance='l2')
        want = superpixel_loss(assoc, props, 8, m=0.1, distance='l2')
        torch.testing.assert_close(got, want)
        # about 300 superpixels from a 320x480 image: scale sqrt(300 * 64 / (320 * 480))
        size = net.input_size_for(300, (320, 480))
        assert size == (113, 170) and net.num_superpixels(size) == 15 * 22


def test_superpixel_net_segmentor_has_no_stand_in_head_and_undoes_normalisation() -> None:
    from segplug.ops.superpixel_fcn import rgb_to_lab

    model = build(
        dict(
            type='SuperpixelNetSegmentor',
            superpixel_net=SPNET,
            num_labels=NUM_CLASSES,
            data_preprocessor=BASE['data_preprocessor'],
        )
    )
    assert not hasattr(model, 'decode_head') and model.num_classes == NUM_CLASSES
    # the colour term's CIELAB of the normalised inputs is that of the raw pixels
    data = batch(n=1)
    prepared = model.data_preprocessor(copy.deepcopy(data), False)
    raw = data['inputs'][0].float()[[2, 1, 0]][None]  # BGR uint8 -> RGB, as bgr_to_rgb
    torch.testing.assert_close(
        model._lab(prepared['inputs']), rgb_to_lab((raw / 255).clamp(0, 1)), atol=1e-4, rtol=0
    )
    # the normalisation copies are no checkpoint keys
    assert not any(k.startswith('pixel_') for k in model.state_dict())
