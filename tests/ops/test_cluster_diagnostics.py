"""Cluster diagnostics on hand-built assignments and against a loop reference."""

from __future__ import annotations

import itertools
import math

import torch

from segplug.ops.cluster_diagnostics import (
    argmax_seed_labels,
    assignment_entropy,
    block_labels,
    candidate_seed_labels,
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


def test_candidate_seed_labels_matches_loop():
    torch.manual_seed(1)
    seeds = torch.randint(0, 4, (2, 3, 4))
    cand = candidate_seed_labels((6, 7), seeds)
    for b, n, y, x in itertools.product(range(2), range(9), range(6), range(7)):
        i, j = y // 2 + n // 3 - 1, x // 2 + n % 3 - 1
        inside = 0 <= i < 3 and 0 <= j < 4
        assert cand[b, n, y, x] == (seeds[b, i, j] if inside else 255)


def test_no_seed_counts_pixels_without_a_candidate_of_their_class():
    """A 1-pixel class-1 dot at stride 1: its own cell and all neighbours are class 0 by
    majority, so no seed can decode it; a 2x2 class-1 block owns its cell's seed."""
    labels = torch.zeros(1, 8, 8, dtype=torch.long)
    labels[0, 1, 1] = 1  # dot: cell (0, 0) is 3:1 class 0
    labels[0, 4:6, 4:6] = 1  # block: cell (2, 2) is class 1
    a = torch.zeros(1, 9, 8, 8)
    a[:, 0] = 1  # every pixel picks its up-left neighbour seed
    pixels, leaked, no_seed, _, own_leaked = leakage_by_class(a, labels, num_classes=2)
    assert pixels.tolist() == [59, 5]
    assert no_seed.tolist() == [0, 1]
    assert own_leaked.tolist() == [0, 1]  # only the dot: its own cell is class 0
    # the block's 4 pixels pick cell (1, 1), class 0; the dot picks outside the map; the 4
    # class-0 pixels of cell (3, 3) pick the block's cell (2, 2), class 1
    assert leaked.tolist() == [4, 4]


def test_leakage_hand_built():
    """A thin class-1 column whose seeds are all class 0 (ties go to the lower id)."""
    labels = torch.zeros(1, 4, 4, dtype=torch.long)
    labels[..., 0] = 1
    a = torch.zeros(1, 9, 4, 4)
    a[:, 4] = 1  # every pixel picks its own cell's seed
    a[0, :, 0, 0] = 1 / 9  # except one undecided pixel (argmax: candidate 0, outside)
    pixels, leaked, no_seed, entropy, own_leaked = leakage_by_class(a, labels, num_classes=2)
    assert pixels.tolist() == [12, 4]
    assert leaked.tolist() == [0, 3]
    assert no_seed.tolist() == [0, 4]  # every seed's cell is a 2-2 tie, read as class 0
    assert own_leaked.tolist() == [0, 4]  # own cells are class 0, undecided pixel included
    torch.testing.assert_close(entropy, torch.tensor([0.0, math.log(9)], dtype=torch.float64))
    torch.testing.assert_close(assignment_entropy(a)[0, 0, 0], torch.tensor(math.log(9)))
