"""SSN's differentiable SLIC against a slow reference written pixel by pixel (float64 loops
over pixels and their 9 candidate centres): associations, centres, gradients, the
compactness loss, the input features and connectivity enforcement."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from segplug.ops.differentiable_slic import (
    cell_means,
    compactness_loss,
    differentiable_slic,
    slic_association,
    slic_cell_size,
    xylab_features,
)
from segplug.ops.superpixel_connectivity import enforce_connectivity
from segplug.ops.superpixel_fcn import hard_superpixels, rgb_to_lab

# (H, W), S: partial last cells, one cell, one pixel, S = 1
CASES = [((5, 7), 2), ((6, 6), 3), ((4, 5), 5), ((1, 1), 1), ((3, 4), 1), ((7, 4), 3)]


def candidates(y: int, x: int, s: int, h: int, w: int) -> list[tuple[int, int | None]]:
    """(n, cell id or None outside the grid) of pixel (y, x)'s 9 candidates."""
    out = []
    for n in range(9):
        i, j = y // s + n // 3 - 1, x // s + n % 3 - 1
        out.append((n, i * w + j if 0 <= i < h and 0 <= j < w else None))
    return out


def reference_slic(feats: torch.Tensor, s: int, n_iter: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Algorithm 1 the obvious way, differentiable: lists of per-pixel and per-cell vectors."""
    b, c, hh, ww = feats.shape
    h, w = math.ceil(hh / s), math.ceil(ww / s)
    pixels = [(y, x) for y in range(hh) for x in range(ww)]
    assocs, centres_out = [], []
    for k in range(b):
        f = {p: feats[k, :, p[0], p[1]] for p in pixels}
        members = {cell: [] for cell in range(h * w)}
        for y, x in pixels:
            members[(y // s) * w + x // s].append(f[(y, x)])
        centres = [torch.stack(members[cell]).mean(0) for cell in range(h * w)]
        for _ in range(n_iter):
            q = {}
            for y, x in pixels:
                cands = candidates(y, x, s, h, w)
                logits = [
                    -(f[(y, x)] - centres[cell]).square().sum()
                    for _, cell in cands
                    if cell is not None
                ]
                weights = iter(torch.softmax(torch.stack(logits), 0))
                q[(y, x)] = [(n, cell, next(weights)) for n, cell in cands if cell is not None]
            num = [torch.zeros(c, dtype=feats.dtype) for _ in range(h * w)]
            den = [torch.zeros((), dtype=feats.dtype) for _ in range(h * w)]
            for p in pixels:
                for _, cell, wt in q[p]:
                    num[cell] = num[cell] + wt * f[p]
                    den[cell] = den[cell] + wt
            centres = [num[cell] / den[cell] for cell in range(h * w)]
        assoc = [[[torch.zeros((), dtype=feats.dtype)] * ww for _ in range(hh)] for _ in range(9)]
        for y, x in pixels:
            for n, _, wt in q[(y, x)]:
                assoc[n][y][x] = wt
        assocs.append(torch.stack([torch.stack([torch.stack(r) for r in a]) for a in assoc]))
        centres_out.append(torch.stack(centres, 1).view(c, h, w))
    return torch.stack(assocs), torch.stack(centres_out)


def random_feats(size: tuple[int, int], c: int = 3, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    # spread over ~2 distance units, as SSN's scaled inputs are: soft, not one-hot, weights
    return (torch.randn(2, c, *size, generator=g, dtype=torch.float64) * 0.7).requires_grad_()


@pytest.mark.parametrize('size,s', CASES)
def test_values_and_gradients_equal_the_reference(size: tuple[int, int], s: int) -> None:
    feats = random_feats(size)
    assoc, centres = differentiable_slic(feats, s, n_iter=3)
    ref_assoc, ref_centres = reference_slic(feats, s, n_iter=3)
    torch.testing.assert_close(assoc, ref_assoc, rtol=0, atol=1e-12)
    torch.testing.assert_close(centres, ref_centres, rtol=0, atol=1e-12)
    g = torch.Generator().manual_seed(1)
    wa = torch.randn(assoc.shape, generator=g, dtype=torch.float64)
    wc = torch.randn(centres.shape, generator=g, dtype=torch.float64)
    (grad,) = torch.autograd.grad((assoc * wa).sum() + (centres * wc).sum(), feats)
    (ref_grad,) = torch.autograd.grad((ref_assoc * wa).sum() + (ref_centres * wc).sum(), feats)
    torch.testing.assert_close(grad, ref_grad, rtol=0, atol=1e-10)


def test_gradcheck() -> None:
    feats = random_feats((5, 4), c=2, seed=2)
    assert torch.autograd.gradcheck(
        lambda f: differentiable_slic(f, 2, n_iter=2), (feats,), fast_mode=True
    )


def test_association_is_a_distribution_over_existing_cells() -> None:
    feats = random_feats((7, 5), seed=3).detach()
    q = slic_association(feats, cell_means(feats, 3), 3)
    torch.testing.assert_close(q.sum(1), torch.ones(2, 7, 5, dtype=torch.float64))
    assert (q[:, 0, :3] == 0).all() and (q[:, 8, 6] == 0).all()  # above / below the grid


def test_initial_centres_are_cell_means_of_partial_cells() -> None:
    feats = torch.arange(15, dtype=torch.float64).view(1, 1, 3, 5)
    means = cell_means(feats, 2)  # cells of 2x2, the last row and column partial
    assert means.shape == (1, 1, 2, 3)
    assert means[0, 0, 1, 2] == 14 and means[0, 0, 0, 2] == (4 + 9) / 2
    assert means[0, 0, 0, 0] == (0 + 1 + 5 + 6) / 4


def test_well_separated_regions_keep_their_cells() -> None:
    """Two flat regions along the grid's cell columns: centres stay the regions' values and
    every pixel's weight goes to cells of its own region."""
    feats = torch.zeros(1, 1, 4, 4, dtype=torch.float64)
    feats[..., 2:] = 10.0  # cells of 2x2: the left column of cells 0, the right one 10
    assoc, centres = differentiable_slic(feats, 2, n_iter=4)
    expected = torch.tensor([[0.0, 10.0], [0.0, 10.0]], dtype=torch.float64)
    torch.testing.assert_close(centres[0, 0], expected)
    labels = hard_superpixels(assoc, 2)[0]
    assert torch.equal(labels % 2, (torch.arange(4) >= 2).long().expand(4, 4))


def test_n_iter_must_be_positive() -> None:
    with pytest.raises(ValueError, match='n_iter=0'):
        differentiable_slic(torch.zeros(1, 1, 4, 4), 2, 0)


def test_cell_size_for_a_number_of_superpixels() -> None:
    assert slic_cell_size(169, (208, 208)) == 16  # the HC paper's training grid: 13 x 13
    assert slic_cell_size(10**6, (8, 8)) == 1
    assert slic_cell_size(400, (321, 481)) == 20
    with pytest.raises(ValueError, match='num_superpixels=0'):
        slic_cell_size(0, (8, 8))


def test_xylab_features() -> None:
    rgb = torch.rand(2, 3, 4, 6) * 255
    x = xylab_features(rgb, cell_size=4, color_scale=0.5, pos_scale=2.0)
    torch.testing.assert_close(x[:, :3], 0.5 * rgb_to_lab(rgb / 255))
    assert x[0, 3, 3, 0] == 2.0 * 3 / 4 and x[1, 4, 0, 5] == 2.0 * 5 / 4
    assert (x[:, 3, 0] == 0).all()


def test_compactness_loss_equals_a_loop() -> None:
    size, s = (5, 6), 2
    feats = random_feats(size, seed=4).detach()
    assoc, _ = differentiable_slic(feats, s, n_iter=2)
    h, w = 3, 3
    b = assoc.shape[0]
    total = 0.0
    for k in range(b):
        num, den = np.zeros((h * w, 2)), np.zeros(h * w)
        for y in range(size[0]):
            for x in range(size[1]):
                for n, cell in candidates(y, x, s, h, w):
                    if cell is not None:
                        num[cell] += float(assoc[k, n, y, x]) * np.array([y, x])
                        den[cell] += float(assoc[k, n, y, x])
        for y in range(size[0]):
            for x in range(size[1]):
                n = int(assoc[k, :, y, x].argmax())
                cell = dict(candidates(y, x, s, h, w))[n]
                total += ((np.array([y, x]) - num[cell] / den[cell]) ** 2).sum()
    expected = total / (b * 2 * size[0] * size[1])
    assert abs(float(compactness_loss(assoc, s)) - expected) < 1e-10


def test_enforce_connectivity_splits_and_merges() -> None:
    labels = np.zeros((20, 20), dtype=np.int64)
    labels[:, 10:] = 1
    labels[5:15, 2:4] = 1  # a second, detached part of superpixel 1
    labels[10, 6] = 2  # one pixel: under 6% of the mean size, merged into a neighbour
    out = enforce_connectivity(labels, num_superpixels=2)
    ids = np.unique(out)
    assert len(ids) == 3 and out[10, 6] == out[10, 5] == out[0, 0]
    for i in ids:
        assert ndimage.label(out == i)[1] == 1
    # ids from 0 (the hard superpixels'): scikit-image's start_label=1 would keep the pixel
    assert enforce_connectivity(np.where(labels == 2, 2, 1 - labels), 2)[10, 6] == out[0, 0]
    with pytest.raises(ValueError, match='non-negative'):
        enforce_connectivity(labels - 1, 2)


def test_float32_association_at_bsds500_magnitudes() -> None:
    """Features of BSDS500's size (positions up to ~100, Lab x 0.26 up to ~26): float32
    agrees with float64 (the logits avoid ||f||^2 ~ 10^4)."""
    g = torch.Generator().manual_seed(5)
    rgb = torch.rand(1, 3, 96, 120, generator=g, dtype=torch.float64) * 255
    feats = torch.cat([xylab_features(rgb, 4), torch.randn(1, 3, 96, 120, generator=g)], 1)
    feats[:, 3:5] += 80  # as far from the origin as BSDS500's last rows at S = 12
    centres = cell_means(feats, 4)
    q64 = slic_association(feats, centres, 4)
    q32 = slic_association(feats.float(), centres.float(), 4)
    assert (q32.double() - q64).abs().max() < 1e-4  # the direct difference: 2e-5
