"""NearestDownsampledCELoss (CPP-KL's control): CE per cell on the picked pixel, in CPPFCNHead."""

from __future__ import annotations

import math

import pytest
import torch
from mmseg.registry import MODELS

import segplug  # noqa: F401
from segplug.models.losses import NearestDownsampledCELoss
from tests.models.test_losses_cpp_kl import samples


def slow_nearest_ce(logits: torch.Tensor, labels: torch.Tensor, s: int, ignore: int = 255) -> float:
    """Per s x s cell: -log softmax at the class of its top-left pixel; mean over labelled."""
    b, c, h, w = logits.shape
    logp = logits.log_softmax(1)
    total, cells = 0.0, 0
    for n in range(b):
        for y in range(h):
            for x in range(w):
                k = int(labels[n, s * y, s * x])
                if k != ignore:
                    total -= float(logp[n, k, y, x])
                    cells += 1
    return total / max(cells, 1)


def test_value_matches_per_cell_formula():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 3, 5, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 4, (2, 12, 20), generator=g)
    labels[0, :4, :8] = 255  # two cells whose picked pixel is ignore
    labels[1, 1:4, 1:4] = 255  # ignore pixels that are never picked
    loss = NearestDownsampledCELoss(loss_weight=0.6)(logits, labels)
    assert math.isclose(float(loss), 0.6 * slow_nearest_ce(logits, labels, 4), rel_tol=1e-6)


def test_all_ignore_is_zero_with_a_graph():
    logits = torch.randn(1, 3, 2, 2, requires_grad=True)
    loss = NearestDownsampledCELoss()(logits, torch.full((1, 8, 8), 255))
    assert float(loss) == 0.0
    loss.backward()
    assert logits.grad is not None


def test_bad_input_raises():
    logits, labels = torch.randn(1, 3, 4, 4), torch.zeros(1, 16, 16, dtype=torch.long)
    with pytest.raises(ValueError, match='weight'):
        NearestDownsampledCELoss()(logits, labels, weight=torch.ones(1, 16, 16))
    with pytest.raises(ValueError, match='expected cls_score'):
        NearestDownsampledCELoss()(logits[0], labels)
    with pytest.raises(ValueError, match='mode'):
        NearestDownsampledCELoss(mode='area')


def test_in_cpp_fcn_head_it_sees_the_native_output():
    head = MODELS.build(
        dict(
            type='CPPFCNHead',
            in_channels=8,
            channels=8,
            num_convs=1,
            num_classes=4,
            dropout_ratio=0.0,
            norm_cfg=dict(type='BN'),
            loss_decode=dict(type='NearestDownsampledCELoss', loss_weight=0.6),
        )
    )
    g = torch.Generator().manual_seed(3)
    feats = [torch.randn(2, 8, 4, 6, generator=g)]
    labels = torch.randint(0, 4, (2, 32, 48), generator=g)
    losses = head.loss(feats, samples(labels), train_cfg=dict())
    assert set(losses) == {'loss_ce_nearest', 'acc_seg'}
    with torch.no_grad():
        native = head.forward(feats)
    expected = 0.6 * slow_nearest_ce(native.double(), labels, 8)
    assert math.isclose(float(losses['loss_ce_nearest']), expected, rel_tol=1e-5)


@pytest.mark.parametrize(
    'loss_type, why',
    [
        ('NearestDownsampledCELoss', 'its targets are per cell'),
        ('CPPKLLoss', 'its targets are per cell'),
        ('UOILoss', 'it is a corpus-level loss'),
        ('SoftIoULoss', 'it is a corpus-level loss'),
    ],
)
def test_cell_losses_refuse_a_pixel_weight_and_wrong_shapes(loss_type: str, why: str) -> None:
    """The per-cell and corpus-level losses: a sampler's per-pixel weight and mismatched
    shapes are errors that name the loss (shared check in models/utils/native_resolution.py)."""
    loss = MODELS.build(dict(type=loss_type))
    logits, labels = torch.randn(2, 3, 4, 4), torch.zeros(2, 16, 16, dtype=torch.long)
    assert loss(logits, labels).isfinite()
    with pytest.raises(ValueError, match=f'{loss_type} takes no per-pixel weight .*: {why};'):
        loss(logits, labels, weight=torch.ones(2, 16, 16))
    for bad_logits, bad_labels in [
        (logits[0], labels),  # (C, h, w)
        (logits, labels[:, None]),  # (B, 1, H, W)
        (logits, labels[:1]),  # batch 2 vs 1
    ]:
        with pytest.raises(ValueError, match=f'{loss_type}: expected cls_score'):
            loss(bad_logits, bad_labels)
