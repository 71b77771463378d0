"""HCAssignmentLoss against a per-pixel loop, and its wiring into HCEncoderDecoder."""

from __future__ import annotations

import math

import pytest
import torch

import segplug  # noqa: F401
from segplug.models.losses import HCAssignmentLoss
from segplug.ops import soft_assign
from tests.models.test_hc_encoder_decoder import build, train_batch


def _reference(assignment: torch.Tensor, labels: torch.Tensor, k: int) -> float:
    """The loss of one level by loops: class frequencies of each s x s cell (labelled pixels
    only), seeds as assignment-weighted means of their pixels' frequencies, each pixel's
    frequencies rebuilt from its 9 seeds, cross-entropy averaged over all pixels."""
    a = assignment[0].double()
    _, h, w = a.shape
    hh, ww = labels.shape[-2:]
    s = hh // h
    p = torch.zeros(k, h, w, dtype=torch.float64)
    for y in range(h):
        for x in range(w):
            cell = labels[0, y * s : (y + 1) * s, x * s : (x + 1) * s].flatten().tolist()
            cell = [c for c in cell if c != 255]
            for c in cell:
                p[c, y, x] += 1 / len(cell)
    gh, gw = (h + 1) // 2, (w + 1) // 2
    num = torch.zeros(k, gh, gw, dtype=torch.float64)
    den = torch.zeros(gh, gw, dtype=torch.float64)

    def seed(y: int, x: int, n: int) -> tuple[int, int] | None:
        i, j = y // 2 + n // 3 - 1, x // 2 + n % 3 - 1
        return (i, j) if 0 <= i < gh and 0 <= j < gw else None

    for y in range(h):
        for x in range(w):
            for n in range(9):
                if (ij := seed(y, x, n)) is not None:
                    num[:, ij[0], ij[1]] += a[n, y, x] * p[:, y, x]
                    den[ij] += a[n, y, x]
    total = 0.0
    for y in range(h):
        for x in range(w):
            rec = torch.zeros(k, dtype=torch.float64)
            for n in range(9):
                if (ij := seed(y, x, n)) is not None:
                    rec += a[n, y, x] * num[:, ij[0], ij[1]] / max(float(den[ij]), 1e-8)
            total -= float((p[:, y, x] * torch.log(rec + 1e-8)).sum())
    return total / (h * w)


def _assignment(h: int, w: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    feats = torch.randn(1, 4, h, w, generator=gen)
    seeds = torch.randn(1, 4, (h + 1) // 2, (w + 1) // 2, generator=gen)
    return soft_assign(feats, seeds, tau=0.5)


def test_matches_the_loop_on_two_levels_with_ignored_pixels() -> None:
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (1, 24, 20), generator=gen)
    labels[0, :5, :7] = 255  # one whole 4x4 cell and parts of others unlabelled
    coarse, fine = _assignment(3, 3, 1), _assignment(6, 5, 2)  # strides 8 and 4
    loss = HCAssignmentLoss(loss_weight=2.0)([coarse, fine], labels, 3)
    want = (_reference(coarse, labels, 3) + _reference(fine, labels, 3)) / 2
    assert math.isclose(float(loss), 2.0 * want, rel_tol=1e-5)


def test_oracle_assignment_beats_a_uniform_one_and_constant_labels_cost_nothing() -> None:
    labels = torch.zeros(1, 8, 8, dtype=torch.long)
    labels[0, :, 3:5] = 1  # a two-pixel pole across the 2x2 cells 1 and 2 (x // 2)
    loss = HCAssignmentLoss()
    gen = torch.Generator().manual_seed(0)
    feats, seeds = torch.randn(1, 4, 8, 8, generator=gen), torch.randn(1, 4, 4, 4, generator=gen)
    uniform = soft_assign(feats, seeds, tau=1e9)  # uniform over the seeds inside the map
    # oracle: own cell's seed (n = 4), except x = 3 (pole) and x = 5 (background), which go
    # to the seed on their right (n = 5): then no seed mixes pole and background
    oracle = torch.zeros(1, 9, 8, 8)
    oracle[:, 4] = 1
    for x in (3, 5):
        oracle[:, 4, :, x], oracle[:, 5, :, x] = 0, 1
    own = torch.zeros(1, 9, 8, 8)
    own[:, 4] = 1  # cells 1 and 2 each mix the classes
    assert float(loss([oracle], labels, 2)) < 1e-6
    assert float(loss([own], labels, 2)) > float(loss([oracle], labels, 2)) + 0.1
    assert float(loss([uniform], labels, 2)) > 0.1
    assert float(loss([uniform], torch.ones_like(labels), 2)) < 1e-6


def test_gradient_reaches_the_assignment_and_bad_input_is_named() -> None:
    logits = torch.randn(1, 9, 6, 6, requires_grad=True)
    labels = torch.randint(0, 4, (1, 12, 12))
    HCAssignmentLoss()([logits.softmax(1)], labels, 4).backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='loss_'):
        HCAssignmentLoss(loss_name='assign')
    with pytest.raises(ValueError, match='at least one level'):
        HCAssignmentLoss()([], labels, 4)


def test_segmentor_adds_the_loss_on_its_own_assignments() -> None:
    torch.manual_seed(0)
    model = build('hcfcn32_r18-v1c.py')
    data = train_batch(model)
    assert 'loss_assign' not in model(**data, mode='loss')  # off by default
    model.assignment_loss = HCAssignmentLoss(loss_weight=0.5)
    model.eval()  # BatchNorm in eval: the features below are the loss's features
    losses = model(**data, mode='loss')
    feats = model.extract_feat(data['inputs'])
    labels = torch.stack([s.gt_sem_seg.data for s in data['data_samples']])[:, 0]
    want = HCAssignmentLoss(loss_weight=0.5)(feats.assignments, labels, 5)
    torch.testing.assert_close(losses['loss_assign'], want)
    assert len(feats.assignments) == 2
    model.zero_grad()
    losses['loss_assign'].backward()
    grads = [p.grad for n, p in model.named_parameters() if 'clusterings' in n]
    assert grads and any(g is not None and g.abs().sum() > 0 for g in grads)
    assert model.decode_head.conv_seg.weight.grad is None  # the head is not involved
