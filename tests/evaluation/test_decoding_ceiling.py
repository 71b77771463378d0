"""The decoding ceiling: oracle assignments against a loop reference, each decoding mode
against its definition, and a hand-built thin band that only the oracle decodes right."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from segplug.evaluation.confusion_matrix import confusion_matrix
from segplug.evaluation.decoding_ceiling import (
    coarse_seeds,
    decode_shares,
    decoding_ceiling,
    iou_from_confusion,
)
from segplug.models.utils import HCFeatures
from segplug.ops.cluster_diagnostics import cell_labels, oracle_assignment
from segplug.ops.soft_clustering import OWN_CELL, hard_assign, hierarchical_decode, soft_assign
from tests.evaluation.test_cluster_leakage import FixedAssignments, sample

IGNORE = 255


def oracle_ref(pixel: torch.Tensor, seeds: torch.Tensor) -> torch.Tensor:
    """Pixel by pixel: the own cell if its seed has the class, else the first neighbour in
    order that has it, else the own cell."""
    b, hh, ww = pixel.shape
    h, w = seeds.shape[-2:]
    out = torch.zeros(b, 9, hh, ww)
    for n, i, j in itertools.product(range(b), range(hh), range(ww)):
        ci, cj = i // 2, j // 2

        def label(k: int) -> int:
            y, x = ci + k // 3 - 1, cj + k % 3 - 1
            return int(seeds[n, y, x]) if 0 <= y < h and 0 <= x < w else IGNORE

        p = int(pixel[n, i, j])
        order = [OWN_CELL] + [k for k in range(9) if k != OWN_CELL]
        hits = [k for k in order if p != IGNORE and label(k) == p]
        out[n, hits[0] if hits else OWN_CELL, i, j] = 1
    return out


@pytest.mark.parametrize('size', [(6, 8), (5, 7), (1, 3)])
def test_oracle_assignment_matches_reference(size: tuple[int, int]) -> None:
    torch.manual_seed(0)
    pixel = torch.randint(0, 3, (2, *size))
    pixel[0, 0, 0] = IGNORE
    seeds = torch.randint(0, 3, (2, (size[0] + 1) // 2, (size[1] + 1) // 2))
    seeds[1, 0, 0] = IGNORE
    torch.testing.assert_close(oracle_assignment(pixel, seeds), oracle_ref(pixel, seeds))


def test_cell_labels_majority_ties_and_ignore() -> None:
    labels = torch.tensor(
        [[[0, 1, 2, 2, 1], [1, 1, 2, 0, 1], [255, 255, 0, 1, 0]]]
    )  # (1, 3, 5) -> cells of 2: (2, 3)
    want = torch.tensor([[[1, 2, 1], [255, 0, 0]]])
    torch.testing.assert_close(cell_labels(labels, (2, 3), 3), want)


def test_coarse_seeds() -> None:
    labels = torch.tensor([[[0, 0, 1, 1], [0, 1, 255, 255]]])  # cells of 2: (1, 2)
    shares = coarse_seeds(labels, (1, 2), 2, 'shares')
    torch.testing.assert_close(shares, torch.tensor([[[[0.75, 0.0]], [[0.25, 1.0]]]]))
    major = coarse_seeds(labels, (1, 2), 2, 'majority')
    torch.testing.assert_close(major, torch.tensor([[[[1.0, 0.0]], [[0.0, 1.0]]]]))
    labels[0, :, 2:] = 255  # a cell without labels carries nothing
    assert coarse_seeds(labels, (1, 2), 2, 'majority')[0, :, 0, 1].sum() == 0
    with pytest.raises(ValueError, match="kind='mean'"):
        coarse_seeds(labels, (1, 2), 2, 'mean')


def test_decode_modes_follow_their_definitions() -> None:
    torch.manual_seed(1)
    coarse = torch.rand(1, 3, 3, 4)
    a1 = soft_assign(torch.randn(1, 5, 6, 8), torch.randn(1, 5, 3, 4))
    a2 = soft_assign(torch.randn(1, 5, 12, 16), torch.randn(1, 5, 6, 8))
    levels = [a1, a2]
    bil = F.interpolate(coarse, (6, 8), mode='bilinear', align_corners=False)
    bil = F.interpolate(bil, (12, 16), mode='bilinear', align_corners=False)
    torch.testing.assert_close(decode_shares(coarse, levels, 'bilinear'), bil)
    nearest = F.interpolate(coarse, (12, 16), mode='nearest')  # exact x2 steps: same cells
    torch.testing.assert_close(decode_shares(coarse, levels, 'own_cell'), nearest)
    torch.testing.assert_close(
        decode_shares(coarse, levels, 'learned'), hierarchical_decode(coarse, levels)
    )
    torch.testing.assert_close(
        decode_shares(coarse, levels, 'learned_hard'),
        hierarchical_decode(coarse, [hard_assign(a) for a in levels]),
    )
    with pytest.raises(ValueError, match='needs the ground-truth'):
        decode_shares(coarse, levels, 'oracle')
    with pytest.raises(ValueError, match="mode='nearest'"):
        decode_shares(coarse, levels, 'nearest')


def test_a_band_only_the_oracle_decodes() -> None:
    """Class 1 fills columns 0-5 of an 8x8 image. At stride 4 the right cell column is a 2-2
    tie, read as class 0; at stride 2 column 2 (pixels 4-5) is class 1, and only its left
    neighbour cell has class 1: the oracle takes it and the decoding is exact; the own cell
    loses pixels 4-5 of every row (16 of class 1's 48 pixels)."""
    labels = torch.zeros(8, 8, dtype=torch.long)
    labels[:, :6] = 1
    uniform = torch.full((1, 9, 4, 4), 1 / 9)
    got = decoding_ceiling(
        FixedAssignments(uniform),
        [sample(labels)],
        2,
        seeds=('majority',),
        modes=('own_cell', 'oracle'),
    )
    np.testing.assert_array_equal(got['L1/majority/oracle'], [[16, 0], [0, 48]])
    np.testing.assert_array_equal(got['L1/majority/own_cell'], [[16, 0], [16, 32]])
    np.testing.assert_allclose(iou_from_confusion(got['L1/majority/own_cell']), [0.5, 32 / 48])
    # no level decoded: the stride-2 cells themselves, where column 2 is class 1
    got = decoding_ceiling(FixedAssignments(uniform), [sample(labels)], 2, levels=(0,))
    assert sorted(got) == ['L0/majority/bilinear', 'L0/shares/bilinear']
    np.testing.assert_array_equal(got['L0/majority/bilinear'], [[16, 0], [0, 48]])
    with pytest.raises(ValueError, match='levels=2, but the model has 1 levels'):
        decoding_ceiling(FixedAssignments(uniform), [sample(labels)], 2, levels=(2,))


def test_oracle_through_two_levels_at_odd_sizes() -> None:
    """Each level's oracle is taken between its own cells' labels and the previous level's
    (seeds at ceil(H / 2)); decode_shares and the ceiling (which computes the oracle once for
    both kinds of seeds) decode the same."""
    torch.manual_seed(2)
    labels = torch.randint(0, 3, (1, 22, 30))
    labels[0, :3, :5] = IGNORE
    sizes = [(3, 4), (6, 8), (11, 15)]
    ref = [
        oracle_assignment(cell_labels(labels, fine, 3), cell_labels(labels, seeds, 3))
        for seeds, fine in itertools.pairwise(sizes)
    ]
    levels = [torch.full((1, 9, *size), 1 / 9) for size in sizes[1:]]
    coarse = coarse_seeds(labels, sizes[0], 3, 'shares')
    want = hierarchical_decode(coarse, ref)
    torch.testing.assert_close(decode_shares(coarse, levels, 'oracle', labels), want)
    model = FixedAssignments(levels[0])
    model.backbone = lambda inputs: HCFeatures([inputs], levels)
    got = decoding_ceiling(model, [sample(labels[0])], 3, seeds=('shares',), modes=('oracle',))
    pred = F.interpolate(want, (22, 30), mode='bilinear', align_corners=False).argmax(1)
    cm = confusion_matrix(pred[0].numpy(), labels[0].numpy(), 3, IGNORE)
    np.testing.assert_array_equal(got['L2/shares/oracle'], cm)


def test_iou_from_confusion() -> None:
    m = np.array([[3, 1, 0], [2, 4, 0], [0, 0, 0]])
    np.testing.assert_allclose(iou_from_confusion(m)[:2], [3 / 6, 4 / 7])
    assert np.isnan(iou_from_confusion(m)[2])
