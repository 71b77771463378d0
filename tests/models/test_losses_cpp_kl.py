"""CPPKLLoss and CPPFCNHead: the KL formula, the head's own resolution, MMSegmentation's CE."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import segplug  # noqa: F401
from segplug.models.losses import CPPKLLoss


def slow_cpp_kl(
    logits: torch.Tensor, labels: torch.Tensor, s: int, ignore: int = 255, max_ignore: float = 0.5
) -> float:
    """Per cell: class frequencies among labelled pixels, KL to softmax, mean over valid."""
    b, c, h, w = logits.shape
    q = logits.softmax(1)
    total, cells = 0.0, 0
    for n in range(b):
        for y in range(h):
            for x in range(w):
                block = labels[n, s * y : s * (y + 1), s * x : s * (x + 1)].reshape(-1).tolist()
                lab = [v for v in block if v != ignore]
                if not lab or (len(block) - len(lab)) / len(block) > max_ignore:
                    continue
                for k in range(c):
                    t = lab.count(k) / len(lab)
                    if t > 0:
                        total += t * math.log(t / float(q[n, k, y, x]))
                cells += 1
    return total / max(cells, 1)


def test_value_matches_per_cell_formula():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 3, 5, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 4, (2, 12, 20), generator=g)
    labels[0, :4, :4] = 255  # a whole ignore cell
    labels[1, 4:8, 4:7] = 255  # a cell 75% ignore: masked
    loss = CPPKLLoss(loss_weight=0.6)(logits, labels)
    assert math.isclose(float(loss), 0.6 * slow_cpp_kl(logits, labels, 4), rel_tol=1e-5)


def test_registered_defaults_and_ragged_sizes():
    loss = MODELS.build(dict(type='CPPKLLoss'))
    assert loss.loss_weight == 0.6 and loss.loss_name == 'loss_cpp_kl'
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(1, 3, 2, 3, generator=g, dtype=torch.float64)  # ceil(13/8), ceil(17/8)
    labels = torch.randint(0, 3, (1, 13, 17), generator=g)
    assert math.isclose(
        float(loss(logits, labels)), 0.6 * slow_cpp_kl(logits, labels, 8), rel_tol=1e-5
    )


def test_scale_one_is_cross_entropy():
    """With one-hot targets KL(t || q) = -log q_y: the loss is CE over labelled pixels."""
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(2, 5, 6, 7, generator=g)
    labels = torch.randint(0, 5, (2, 6, 7), generator=g)
    labels[0, 0] = 255
    ce = F.cross_entropy(logits, labels, ignore_index=255)
    torch.testing.assert_close(CPPKLLoss(loss_weight=1.0)(logits, labels), ce)


def test_bad_input_raises():
    logits, labels = torch.randn(1, 3, 4, 4), torch.zeros(1, 16, 16, dtype=torch.long)
    with pytest.raises(ValueError, match='weight'):
        CPPKLLoss()(logits, labels, weight=torch.ones(1, 16, 16))
    with pytest.raises(ValueError, match='no integer scale'):
        CPPKLLoss()(torch.randn(1, 3, 4, 5), labels)
    with pytest.raises(ValueError, match='scale'):
        CPPKLLoss(scale=0)
    with pytest.raises(ValueError, match='label value 7'):
        CPPKLLoss()(logits, torch.full((1, 16, 16), 7))
    with pytest.raises(ValueError, match='expected cls_score'):
        CPPKLLoss()(logits[0], labels)


def samples(labels: torch.Tensor) -> list:
    out = []
    for lab in labels:
        s = SegDataSample(metainfo=dict(img_shape=lab.shape, pad_shape=lab.shape))
        s.gt_sem_seg = PixelData(data=lab[None])
        out.append(s)
    return out


def build_heads(loss_decode: list) -> tuple:
    cfg = dict(
        in_channels=8,
        channels=8,
        num_convs=1,
        num_classes=4,
        dropout_ratio=0.0,
        norm_cfg=dict(type='BN'),
        loss_decode=loss_decode,
    )
    torch.manual_seed(0)
    ours = MODELS.build(dict(cfg, type='CPPFCNHead'))
    plain = MODELS.build(
        dict(
            cfg,
            type='FCNHead',
            loss_decode=[d for d in loss_decode if d['type'] == 'CrossEntropyLoss'],
        )
    )
    plain.load_state_dict(ours.state_dict())
    return ours, plain


def test_head_gives_native_output_to_cpp_kl_and_upsampled_to_mmseg_ce():
    ours, plain = build_heads(
        [dict(type='CrossEntropyLoss', loss_weight=0.4), dict(type='CPPKLLoss', loss_weight=0.6)]
    )
    g = torch.Generator().manual_seed(3)
    feats = [torch.randn(2, 8, 4, 6, generator=g)]
    labels = torch.randint(0, 4, (2, 32, 48), generator=g)
    labels[:, :8] = 255
    losses = ours.loss(feats, samples(labels), train_cfg=dict())
    ref = plain.loss(feats, samples(labels), train_cfg=dict())
    assert set(losses) == {'loss_ce', 'loss_cpp_kl', 'acc_seg'}
    torch.testing.assert_close(losses['loss_ce'], ref['loss_ce'])  # MMSeg's CE unchanged
    torch.testing.assert_close(losses['acc_seg'], ref['acc_seg'])
    with torch.no_grad():
        native = ours.forward(feats)  # (2, 4, 4, 6): stride 8
    assert native.shape == (2, 4, 4, 6)
    expected = 0.6 * slow_cpp_kl(native.double(), labels, 8)
    assert math.isclose(float(losses['loss_cpp_kl']), expected, rel_tol=1e-4)
    losses['loss_cpp_kl'].backward()
    assert ours.conv_seg.weight.grad.abs().sum() > 0


def test_single_loss_and_same_name_accumulates():
    ours, _ = build_heads(
        [
            dict(type='CPPKLLoss', loss_weight=0.5, loss_name='loss_soft'),
            dict(type='CPPKLLoss', loss_weight=0.25, loss_name='loss_soft'),
        ]
    )
    feats = [torch.randn(1, 8, 2, 2)]
    labels = torch.randint(0, 4, (1, 16, 16))
    total = ours.loss(feats, samples(labels), train_cfg=dict())['loss_soft']
    single = CPPKLLoss(loss_weight=0.75)(ours.forward(feats), labels)
    torch.testing.assert_close(total, single)
    one = MODELS.build(
        dict(
            type='CPPFCNHead',
            in_channels=8,
            channels=8,
            num_convs=1,
            num_classes=4,
            norm_cfg=dict(type='BN'),
            loss_decode=dict(type='CPPKLLoss'),
        )
    )
    assert set(one.loss(feats, samples(labels), train_cfg=dict())) == {'loss_cpp_kl', 'acc_seg'}


def test_mmseg_kldiv_loss_is_not_kl():
    """MMSegmentation's KLDivLoss hands F.kl_div probabilities where it wants
    log-probabilities; ours equals F.kl_div used correctly (and the formula, tests/ops)."""
    from mmseg.models.losses.kldiv_loss import KLDivLoss

    from segplug.ops import soft_kl_divergence

    g = torch.Generator().manual_seed(4)
    logits = torch.randn(2, 5, 3, 3, generator=g, dtype=torch.float64)
    target = torch.rand(2, 5, 3, 3, generator=g, dtype=torch.float64).softmax(1)
    ours = soft_kl_divergence(logits, target)
    right = F.kl_div(F.log_softmax(logits, 1), target, reduction='none').sum(1)
    torch.testing.assert_close(ours, right)
    theirs = KLDivLoss(reduction='none')(logits, target.log()).sum(1)  # softmax(log t) = t
    assert (theirs - ours).abs().max() > 0.1
    assert (theirs < 0).any()  # not even a divergence
