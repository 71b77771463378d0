"""Soft clustering and cluster decoding against a dense U x V reference (HC paper Eq. 1-4)."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from segplug.ops import (
    cluster_decode,
    cluster_labels,
    hard_assign,
    hierarchical_decode,
    soft_assign,
)


def dense_reference(feats: torch.Tensor, seeds: torch.Tensor, tau: float) -> torch.Tensor:
    """The obvious way: a (U, V) similarity, everything but the 9 neighbours masked.

    Returns (B, U, V) with U = H * W fine pixels and V = h * w seeds.
    """
    b, k, hh, ww = feats.shape
    h, w = seeds.shape[-2:]
    f = F.normalize(feats, dim=1).flatten(2).transpose(1, 2)  # (B, U, K)
    s = F.normalize(seeds, dim=1).flatten(2)  # (B, K, V)
    sim = f @ s  # (B, U, V)
    mask = torch.zeros(hh * ww, h * w, dtype=torch.bool)
    for y, x in itertools.product(range(hh), range(ww)):
        for dy, dx in itertools.product((-1, 0, 1), repeat=2):
            i, j = y // 2 + dy, x // 2 + dx
            if 0 <= i < h and 0 <= j < w:
                mask[y * ww + x, i * w + j] = True
    return (sim / tau).masked_fill(~mask, float('-inf')).softmax(-1)


def to_dense(assignment: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """(B, 9, H, W) -> (B, U, V), by the neighbour numbering n = 3 (dy + 1) + (dx + 1)."""
    b, _, hh, ww = assignment.shape
    dense = torch.zeros(b, hh * ww, h * w, dtype=assignment.dtype)
    for y, x in itertools.product(range(hh), range(ww)):
        for n in range(9):
            i, j = y // 2 + n // 3 - 1, x // 2 + n % 3 - 1
            if 0 <= i < h and 0 <= j < w:
                dense[:, y * ww + x, i * w + j] += assignment[:, n, y, x]
            else:
                assert torch.all(assignment[:, n, y, x] == 0), 'padded seed got weight'
    return dense


SIZES = [(8, 8), (7, 9), (1, 1), (2, 3), (5, 1)]
# seed maps of floor size (an unpadded 2x2 stride-2 downsampling, as in ConvNeXt)
FLOOR = [((7, 9), (3, 4)), ((5, 6), (2, 3)), ((9, 3), (5, 1))]


def seed_size(size: tuple[int, int]) -> tuple[int, int]:
    return (size[0] + 1) // 2, (size[1] + 1) // 2


@pytest.mark.parametrize('size,seeds', [(s, seed_size(s)) for s in SIZES] + FLOOR)
def test_soft_assign_matches_dense_reference(size: tuple[int, int], seeds: tuple[int, int]) -> None:
    torch.manual_seed(0)
    hh, ww = size
    h, w = seeds
    feats, seeds = torch.randn(2, 6, hh, ww), torch.randn(2, 6, h, w)
    a = soft_assign(feats, seeds, tau=0.3)
    assert a.shape == (2, 9, hh, ww)
    torch.testing.assert_close(a.sum(1), torch.ones(2, hh, ww))
    torch.testing.assert_close(to_dense(a, h, w), dense_reference(feats, seeds, 0.3))


@pytest.mark.parametrize('grad', [False, True])  # shifted products / batched (training) path
@pytest.mark.parametrize('size,seeds', [(s, seed_size(s)) for s in SIZES] + FLOOR)
def test_decode_matches_dense_product(
    size: tuple[int, int], seeds: tuple[int, int], grad: bool
) -> None:
    torch.manual_seed(1)
    hh, ww = size
    h, w = seeds
    a = soft_assign(torch.randn(1, 4, hh, ww), torch.randn(1, 4, h, w), tau=0.5).detach()
    coarse = torch.randn(1, 3, h, w, requires_grad=grad)
    want = (to_dense(a, h, w) @ coarse.detach().flatten(2).transpose(1, 2)).transpose(1, 2)
    torch.testing.assert_close(cluster_decode(coarse, a), want.view(1, 3, hh, ww))


def test_border_seeds_get_zero_weight() -> None:
    a = soft_assign(torch.randn(1, 4, 6, 6), torch.randn(1, 4, 3, 3))
    assert torch.all(a[:, [0, 1, 2], 0:2] == 0)  # top row of cells: no seeds above
    assert torch.all(a[:, [0, 3, 6], :, 0:2] == 0)  # left column: no seeds to the left
    assert torch.all(a[:, [6, 7, 8], 4:6] == 0)
    assert torch.all(a[:, [2, 5, 8], :, 4:6] == 0)


def test_small_tau_gives_hard_assignment() -> None:
    torch.manual_seed(2)
    # float64: with tau = 1e-6 any similarity gap above ~1e-4 leaves exp(-100) of weight
    feats = torch.randn(2, 8, 9, 11, dtype=torch.float64)
    seeds = torch.randn(2, 8, 5, 6, dtype=torch.float64)
    soft = soft_assign(feats, seeds, tau=1e-6)
    hard = hard_assign(soft_assign(feats, seeds, tau=1.0))
    torch.testing.assert_close(soft, hard, atol=1e-6, rtol=0)


def test_hard_decode_copies_the_argmax_seed_and_labels_follow() -> None:
    torch.manual_seed(3)
    a1 = hard_assign(soft_assign(torch.randn(1, 4, 6, 6), torch.randn(1, 4, 3, 3)))
    a2 = hard_assign(soft_assign(torch.randn(1, 4, 11, 12), torch.randn(1, 4, 6, 6)))
    ids = torch.arange(9.0).view(1, 1, 3, 3)
    decoded = hierarchical_decode(ids, [a1, a2])[0, 0]
    labels = cluster_labels([a1, a2], (3, 3))[0]
    assert labels.shape == (11, 12)
    torch.testing.assert_close(decoded, labels.float())


def test_gradcheck_float64() -> None:
    torch.manual_seed(4)
    feats = torch.randn(1, 3, 5, 4, dtype=torch.float64, requires_grad=True)
    seeds = torch.randn(1, 3, 3, 2, dtype=torch.float64, requires_grad=True)
    coarse = torch.randn(1, 2, 3, 2, dtype=torch.float64, requires_grad=True)
    tau = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda f, s, c, t: cluster_decode(c, soft_assign(f, s, t)), (feats, seeds, coarse, tau)
    )


def test_size_mismatch_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r'expected ceil\(H/2\), ceil\(W/2\) = \(4, 4\)'):
        soft_assign(torch.randn(1, 2, 8, 8), torch.randn(1, 2, 5, 4))
    with pytest.raises(ValueError, match=r'or the floor, \(3, 4\)'):
        cluster_decode(torch.randn(1, 2, 2, 4), torch.randn(1, 9, 7, 8))
