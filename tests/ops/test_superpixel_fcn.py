"""Superpixel FCN ops against dense (N_s, N_p) association matrices: pooling, unpooling, the
loss of Eq. 1 and hard labels, for sizes that do not divide by the cell size."""

from __future__ import annotations

import pytest
import torch

from segplug.ops.superpixel_fcn import (
    association,
    grid_size,
    hard_superpixels,
    one_hot_labels,
    pixel_validity,
    pool_to_superpixels,
    rgb_to_lab,
    superpixel_loss,
    unpool_from_superpixels,
)

CASES = [((7, 11), 3), ((8, 8), 4), ((5, 9), 2), ((6, 5), 7), ((1, 1), 2)]


def dense_q(assoc: torch.Tensor, s: int) -> torch.Tensor:
    """(B, N_s, N_p) q_s(p), built pixel by pixel from the 9-neighbour map."""
    b, _, hh, ww = assoc.shape
    h, w = grid_size((hh, ww), s)
    q = torch.zeros(b, h * w, hh * ww, dtype=assoc.dtype)
    for y in range(hh):
        for x in range(ww):
            for n in range(9):
                i, j = y // s + n // 3 - 1, x // s + n % 3 - 1
                if 0 <= i < h and 0 <= j < w:
                    q[:, i * w + j, y * ww + x] = assoc[:, n, y, x]
    return q


def random_assoc(b: int, size: tuple[int, int], s: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return association(torch.randn(b, 9, *size, generator=g, dtype=torch.float64) * 2, s)


@pytest.mark.parametrize('size,s', CASES)
def test_association_sums_to_one_and_zero_outside(size: tuple[int, int], s: int) -> None:
    q = random_assoc(2, size, s)
    torch.testing.assert_close(q.sum(1), torch.ones(2, *size, dtype=torch.float64))
    assert (q[:, ~pixel_validity(size, s)] == 0).all()
    # the dense matrix holds every pixel's full mass: no candidate outside the grid was lost
    torch.testing.assert_close(
        dense_q(q, s).sum(1), torch.ones(2, size[0] * size[1], dtype=torch.float64)
    )


@pytest.mark.parametrize('size,s', CASES)
def test_pool_and_unpool_equal_dense(size: tuple[int, int], s: int) -> None:
    q = random_assoc(2, size, s, seed=1)
    f = torch.randn(2, 3, *size, dtype=torch.float64)
    qd = dense_q(q, s)
    fd = f.flatten(2)  # (B, C, N_p)
    u = torch.einsum('bcp,bsp->bcs', fd, qd) / qd.sum(2).clamp(min=1e-8).unsqueeze(1)
    h, w = grid_size(size, s)
    pooled = pool_to_superpixels(f, q, s)
    assert pooled.shape == (2, 3, h, w)
    torch.testing.assert_close(pooled.flatten(2), u)
    torch.testing.assert_close(
        unpool_from_superpixels(pooled, q, s).flatten(2), torch.einsum('bcs,bsp->bcp', u, qd)
    )


def eq1_direct(q: torch.Tensor, f: torch.Tensor, s: int, m: float, distance: str) -> float:
    """Eq. 1 written out with loops over pixels and superpixels, divided by N_p, mean over B."""
    b, _, hh, ww = q.shape
    qd = dense_q(q, s)
    total = 0.0
    for k in range(b):
        feats = [
            torch.cat([f[k, :, y, x], torch.tensor([y, x], dtype=f.dtype)])
            for y in range(hh)
            for x in range(ww)
        ]
        n_s = qd.shape[1]
        u = []
        for sp in range(n_s):
            wsum = sum(qd[k, sp, p] for p in range(hh * ww))
            u.append(sum(feats[p] * qd[k, sp, p] for p in range(hh * ww)) / max(wsum, 1e-8))
        for p in range(hh * ww):
            rec = sum(u[sp] * qd[k, sp, p] for sp in range(n_s))
            fp, cp = feats[p][:-2], feats[p][-2:]
            if distance == 'ce':
                e = -(fp * torch.log(rec[:-2] + 1e-8)).sum()
            else:
                e = (fp - rec[:-2]).norm()
            total += float(e + m / s * (cp - rec[-2:]).norm())
    return total / (b * hh * ww)


@pytest.mark.parametrize('distance', ['ce', 'l2'])
def test_loss_equals_eq1(distance: str) -> None:
    size, s, m = (5, 7), 3, 0.5
    q = random_assoc(2, size, s, seed=2)
    labels = torch.randint(0, 4, (2, *size), generator=torch.Generator().manual_seed(3))
    labels[0, 0, :2] = 255
    f = (
        one_hot_labels(labels, 4).double()
        if distance == 'ce'
        else torch.rand(2, 3, *size, dtype=torch.float64)
    )
    rec, pos = superpixel_loss(q, f, s, m=m, distance=distance)
    assert abs(float(rec + pos) - eq1_direct(q, f, s, m, distance)) < 1e-9


def test_loss_gradcheck() -> None:
    size, s = (3, 4), 2
    logits = torch.randn(1, 9, *size, dtype=torch.float64, requires_grad=True)
    f = torch.rand(1, 2, *size, dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda x: sum(superpixel_loss(association(x, s), f, s, m=0.3, distance='l2')),
        (logits,),
        fast_mode=True,
    )


def test_hard_superpixels_match_dense_argmax() -> None:
    size, s = (7, 11), 3
    q = random_assoc(2, size, s, seed=4)
    labels = hard_superpixels(q, s)
    expected = dense_q(q, s).argmax(1).view(2, *size)
    assert torch.equal(labels, expected)
    h, w = grid_size(size, s)
    assert labels.max() < h * w


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match='cell_size=0'):
        grid_size((4, 4), 0)
    with pytest.raises(ValueError, match='9 channels'):
        association(torch.zeros(1, 4, 3, 3), 2)
    with pytest.raises(ValueError, match="distance='kl'"):
        superpixel_loss(random_assoc(1, (4, 4), 2), torch.zeros(1, 2, 4, 4), 2, distance='kl')
    with pytest.raises(ValueError, match='labels outside'):
        one_hot_labels(torch.tensor([[[0, 5]]]), 4)


def test_rgb_to_lab_matches_skimage() -> None:
    from skimage.color import rgb2lab

    rgb = torch.rand(2, 3, 5, 6, dtype=torch.float64)
    rgb[0, :, 0, 0] = 0.0  # black and white, the ends of the piecewise curves
    rgb[0, :, 0, 1] = 1.0
    expected = torch.stack(
        [torch.from_numpy(rgb2lab(im.permute(1, 2, 0).numpy())).permute(2, 0, 1) for im in rgb]
    )
    torch.testing.assert_close(rgb_to_lab(rgb), expected, atol=1e-3, rtol=1e-4)
