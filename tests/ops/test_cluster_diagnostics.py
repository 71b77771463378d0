"""Cluster diagnostics on hand-built assignments and against a loop reference."""

from __future__ import annotations

import itertools
import math

import torch

from segplug.ops.cluster_diagnostics import (
    argmax_seed_labels,
    assignment_entropy,
    block_labels,
    leakage_by_class,
)


def test_block_labels_majority_and_ignore():
    labels = torch.tensor([[[0, 1, 2, 2], [1, 1, 255, 255]]])
    assert block_labels(labels, (1, 2), 3).tolist() == [[[1, 2]]]
    assert block_labels(torch.full((1, 2, 2), 255), (1, 1), 3).tolist() == [[[255]]]


def test_argmax_seed_labels_matches_loop():
    torch.manual_seed(0)
    a = torch.rand(2, 9, 5, 7)
    seeds = torch.randint(0, 4, (2, 3, 4))
    out = argmax_seed_labels(a, seeds)
    for b, y, x in itertools.product(range(2), range(5), range(7)):
        n = int(a[b, :, y, x].argmax())
        i, j = y // 2 + n // 3 - 1, x // 2 + n % 3 - 1
        inside = 0 <= i < 3 and 0 <= j < 4
        assert out[b, y, x] == (seeds[b, i, j] if inside else 255)


def test_leakage_hand_built():
    """A thin class-1 column whose seeds are all class 0 (ties go to the lower id)."""
    labels = torch.zeros(1, 4, 4, dtype=torch.long)
    labels[..., 0] = 1
    a = torch.zeros(1, 9, 4, 4)
    a[:, 4] = 1  # every pixel picks its own cell's seed
    a[0, :, 0, 0] = 1 / 9  # except one undecided pixel (argmax: candidate 0, outside)
    pixels, leaked, entropy = leakage_by_class(a, labels, num_classes=2)
    assert pixels.tolist() == [12, 4]
    assert leaked.tolist() == [0, 3]
    torch.testing.assert_close(entropy, torch.tensor([0.0, math.log(9)], dtype=torch.float64))
    torch.testing.assert_close(assignment_entropy(a)[0, 0, 0], torch.tensor(math.log(9)))
