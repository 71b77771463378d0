"""UOILoss / SoftIoULoss as MMSegmentation losses: values against direct evaluation, in
``loss_decode`` lists with MMSegmentation's CE, on soft CPP ground truth at native size."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from mmseg.models.utils import resize
from mmseg.registry import MODELS

import segplug  # noqa: F401
from segplug.models.losses import SoftIoULoss, UOILoss
from segplug.ops import cpp_pool
from tests.models.test_losses_cpp_kl import samples


def direct(logits: torch.Tensor, target: torch.Tensor, valid: torch.Tensor, smooth: float):
    """Mean over present classes of (E[U]+s)/(E[I]+s) and (E[I]+s)/(E[U]+s), by loops over
    classes and pixels; target (B, C, H, W) probabilities."""
    q = logits.double().softmax(1)
    c = q.shape[1]
    uoi, iou = [], []
    for k in range(c):
        inter = union = mass = 0.0
        for idx in valid.nonzero().tolist():
            n, y, x = idx
            ph, p = float(q[n, k, y, x]), float(target[n, k, y, x])
            inter += ph * p
            union += ph + p - ph * p
            mass += p
        if mass > 0:
            uoi.append((union + smooth) / (inter + smooth))
            iou.append((inter + smooth) / (union + smooth))
    return sum(uoi) / len(uoi), sum(iou) / len(iou)


def case(seed: int):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, 4, 6, 8, generator=g)
    labels = torch.randint(0, 3, (2, 6, 8), generator=g)  # class 3 absent
    labels[0, :2] = 255
    return logits, labels


def test_values_match_direct_evaluation():
    logits, labels = case(0)
    valid = labels != 255
    onehot = F.one_hot(labels.clamp(max=3), 4).permute(0, 3, 1, 2).double()
    uoi, iou = direct(logits, onehot, valid, smooth=1.0)
    assert math.isclose(float(UOILoss()(logits, labels)), uoi, rel_tol=1e-5)
    assert math.isclose(float(SoftIoULoss()(logits, labels)), 1 - iou, rel_tol=1e-5)
    assert math.isclose(float(UOILoss(loss_weight=0.7)(logits, labels)), 0.7 * uoi, rel_tol=1e-5)


def test_coarse_logits_get_cpp_soft_ground_truth():
    """UOI paper Sec. 3.1: a coarse prediction is trained on the class distribution of each
    patch; cells that are mostly ignore are left out."""
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 4, 3, 4, generator=g)
    labels = torch.randint(0, 4, (2, 12, 16), generator=g)
    labels[1, :4, :4] = 255
    pooled = cpp_pool(labels, 4, 4)
    uoi, iou = direct(logits, pooled.probs.double(), pooled.valid, smooth=1.0)
    assert math.isclose(float(UOILoss()(logits, labels)), uoi, rel_tol=1e-5)
    assert math.isclose(float(SoftIoULoss()(logits, labels)), 1 - iou, rel_tol=1e-5)


def test_perfect_prediction():
    labels = torch.randint(0, 3, (1, 5, 5))
    logits = 50 * F.one_hot(labels, 3).permute(0, 3, 1, 2).float()
    assert math.isclose(float(UOILoss(smooth=0)(logits, labels)), 1.0, rel_tol=1e-6)
    assert abs(float(SoftIoULoss(smooth=0)(logits, labels))) < 1e-6


def test_in_loss_decode_with_mmseg_cross_entropy():
    """The paper's 0.7 UOI + 0.3 CE in a plain MMSegmentation FCNHead."""
    head = MODELS.build(
        dict(
            type='FCNHead',
            in_channels=8,
            channels=8,
            num_convs=1,
            num_classes=4,
            dropout_ratio=0.0,
            norm_cfg=dict(type='BN'),
            loss_decode=[
                dict(type='CrossEntropyLoss', loss_weight=0.3),
                dict(type='UOILoss', loss_weight=0.7),
                dict(type='SoftIoULoss', loss_weight=0.1),
            ],
        )
    )
    g = torch.Generator().manual_seed(2)
    feats = [torch.randn(2, 8, 4, 4, generator=g)]
    labels = torch.randint(0, 4, (2, 16, 16), generator=g)
    labels[:, 0] = 255
    losses = head.loss(feats, samples(labels), train_cfg=dict())
    assert set(losses) == {'loss_ce', 'loss_uoi', 'loss_iou', 'acc_seg'}
    up = resize(head.forward(feats), size=(16, 16), mode='bilinear', align_corners=False)
    onehot = F.one_hot(labels.clamp(max=3), 4).permute(0, 3, 1, 2).double()
    uoi, iou = direct(up.detach(), onehot, labels != 255, smooth=1.0)
    assert math.isclose(float(losses['loss_uoi']), 0.7 * uoi, rel_tol=1e-4)
    assert math.isclose(float(losses['loss_iou']), 0.1 * (1 - iou), rel_tol=1e-4)
    # MMSegmentation's CE (avg_non_ignore=False) averages over all pixels, ignore included
    ce = F.cross_entropy(up, labels, ignore_index=255, reduction='none').mean()
    torch.testing.assert_close(losses['loss_ce'], 0.3 * ce)
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert head.conv_seg.weight.grad.abs().sum() > 0


def test_native_resolution_option_in_cpp_head():
    head = MODELS.build(
        dict(
            type='CPPFCNHead',
            in_channels=8,
            channels=8,
            num_convs=1,
            num_classes=4,
            dropout_ratio=0.0,
            norm_cfg=dict(type='BN'),
            loss_decode=dict(type='UOILoss', native_resolution=True),
        )
    )
    feats = [torch.randn(2, 8, 4, 4)]
    labels = torch.randint(0, 4, (2, 16, 16))
    loss = head.loss(feats, samples(labels), train_cfg=dict())['loss_uoi']
    pooled = cpp_pool(labels, 4, 4)
    uoi, _ = direct(head.forward(feats).detach(), pooled.probs.double(), pooled.valid, 1.0)
    assert math.isclose(float(loss), uoi, rel_tol=1e-4)


def test_all_ignore_and_bad_input():
    logits = torch.randn(1, 3, 4, 4, requires_grad=True)
    loss = UOILoss()(logits, torch.full((1, 4, 4), 255))
    assert float(loss) == 0.0
    loss.backward()  # still in the graph
    with pytest.raises(ValueError, match='weight'):
        UOILoss()(logits, torch.zeros(1, 4, 4, dtype=torch.long), weight=torch.ones(1, 4, 4))
    with pytest.raises(ValueError, match='label value 5'):
        UOILoss()(logits, torch.full((1, 4, 4), 5))
    with pytest.raises(ValueError, match='classes'):
        UOILoss(classes='absent')
    with pytest.raises(ValueError, match='smooth'):
        SoftIoULoss(smooth=-1)
