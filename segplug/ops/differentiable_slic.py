"""Differentiable SLIC of the Superpixel Sampling Network (Jampani et al., "Superpixel
Sampling Networks", ECCV 2018, Sec. 3-4): this follows its Algorithm 1 as published, and
the HC author's PyTorch reimplementation, perrying/ssn-pytorch, where the paper leaves a
choice open).

Shape shorthand: B images, C feature channels, (H, W) pixels, (h, w) superpixel grid.

Grid. SSN spreads K superpixels over a regular grid. Here the grid is segplug's superpixel
grid (``superpixel_fcn``): square cells of S = round(sqrt(H W / K)) pixels from the top-left
corner, (h, w) = (ceil(H/S), ceil(W/S)), the last row / column possibly partial, so that
pooling and unpooling are ``superpixel_fcn``'s. (SSN's code instead stretches an
int(sqrt(K W/H)) x int(sqrt(K H/W)) grid over the image with cells of unequal width.)
Each pixel's 9 candidate superpixels are its initial cell and that cell's 8 neighbours,
numbered n = 3 (dy + 1) + (dx + 1); candidates outside the grid get association 0.

Algorithm 1: centres S^0 = the mean feature of each cell; then for t = 1..v
Q^t_ps = softmax over the 9 candidates of -||f_p - S^{t-1}_s||^2 and
S^t_s = sum_p Q^t_ps f_p / sum_p Q^t_ps. The output is (Q^v, S^v).
"""

from __future__ import annotations

import torch
from torch import Tensor

from .soft_clustering import (
    NEIGHBOURS,
    OWN_CELL,
    cell_neighbours,
    from_cells,
    hard_assign,
    to_cells,
)
from .superpixel_fcn import (
    association,
    grid_size,
    pixel_coordinates,
    pool_to_superpixels,
    rgb_to_lab,
    unpool_from_superpixels,
)


def slic_cell_size(num_superpixels: int, size: tuple[int, int]) -> int:
    """S = round(sqrt(H W / K)) (at least 1): the cell side whose grid holds about K cells.

    Args:
        num_superpixels: K, the requested number of superpixels.
        size: (H, W) of the image.
    """
    if int(num_superpixels) < 1:
        raise ValueError(f'num_superpixels={num_superpixels}: must be at least 1')
    return max(1, round((size[0] * size[1] / num_superpixels) ** 0.5))


def xylab_features(
    rgb: Tensor, cell_size: int, color_scale: float = 0.26, pos_scale: float = 2.5
) -> Tensor:
    """SSN's input pixel features: scaled CIELAB colour and position.

    Positions are scaled by ``pos_scale / S`` (2.5 per superpixel cell, SSN's ``pos_scale``
    times its ``num_spixels / width``), colour by ``color_scale`` (0.26).

    Args:
        rgb: (B, 3, H, W) sRGB in [0, 255].
        cell_size: S, the superpixel grid interval in pixels.
    Returns:
        (B, 5, H, W): ``color_scale`` L, a, b, then ``pos_scale / S`` y, x.
    """
    lab = rgb_to_lab((rgb / 255).clamp(0, 1))
    yx = pixel_coordinates(rgb.shape[-2:], rgb.device, rgb.dtype)
    yx = yx.unsqueeze(0).expand(rgb.shape[0], -1, -1, -1)
    return torch.cat([color_scale * lab, (pos_scale / cell_size) * yx], 1)


def cell_means(feats: Tensor, cell_size: int) -> Tensor:
    """Initial superpixel centres S^0: the mean feature of each grid cell.

    Args:
        feats: (B, C, H, W) pixel features.
    Returns:
        (B, C, h, w) centres; a partial last cell averages the pixels it has.
    """
    own = torch.zeros_like(feats[:, :1]).expand(-1, NEIGHBOURS, -1, -1).clone()
    own[:, OWN_CELL] = 1
    return pool_to_superpixels(feats, own, cell_size)


def slic_logits(feats: Tensor, centres: Tensor, cell_size: int) -> Tensor:
    """-||f_p - S_s||^2 of each pixel's 9 candidate centres, up to a per-pixel constant.

    With r the centre of the pixel's own cell, ||f - c_n||^2 = ||f - r||^2
    - 2 (f - r).(c_n - r) + ||c_n - r||^2, and the first term is the same for all 9
    candidates: the logits are 2 (f - r).(c_n - r) - ||c_n - r||^2, one (S^2, C) x (C, 9)
    product per cell, in numbers of the size of local differences (no float32 cancellation
    of ||f||^2 ~ 10^4 for positions of ~100, 2.5 per cell).

    Args:
        feats: (B, C, H, W) pixel features.
        centres: (B, C, h, w) superpixel centres on the grid of ``feats``.
    Returns:
        (B, 9, H, W); a candidate outside the grid has the logit of a zero centre (the
        association masks it).
    """
    size = feats.shape[-2:]
    grid = grid_size(size, cell_size)
    if tuple(centres.shape[-2:]) != grid or centres.shape[:2] != feats.shape[:2]:
        raise ValueError(
            f'centres {tuple(centres.shape)} do not fit features {tuple(feats.shape)}: '
            f'expected (B, C, {grid[0]}, {grid[1]}) for cell_size={cell_size}'
        )
    candidates = cell_neighbours(centres)
    own = centres.unsqueeze(2)
    rel = candidates - own  # (B, C, 9, h, w): c_n - r
    f = to_cells(feats, grid, cell_size) - own[:, :, 0, :, None, :, None]  # f - r, by cell
    dots = torch.einsum('bchiwj,bcnhw->bnhiwj', f, rel)
    logits = 2 * dots - rel.square().sum(1)[:, :, :, None, :, None]
    return from_cells(logits, size)


def slic_association(feats: Tensor, centres: Tensor, cell_size: int) -> Tensor:
    """Soft association Q_ps = exp(-||f_p - S_s||^2) normalised over the 9 candidates.

    Args:
        feats: (B, C, H, W) pixel features.
        centres: (B, C, h, w) superpixel centres.
    Returns:
        (B, 9, H, W), summing to 1 over dim 1, zero for candidates outside the grid.
    """
    return association(slic_logits(feats, centres, cell_size), cell_size)


def differentiable_slic(feats: Tensor, cell_size: int, n_iter: int) -> tuple[Tensor, Tensor]:
    """SSN's differentiable SLIC (Algorithm 1): ``n_iter`` association / centre updates.

    Args:
        feats: (B, C, H, W) pixel features.
        cell_size: S, the grid interval (:func:`slic_cell_size`).
        n_iter: v >= 1 iterations (SSN: 5 in training, 10 at test).
    Returns:
        ``(association, centres)``: Q^v (B, 9, H, W) and S^v (B, C, h, w), differentiable
        with respect to ``feats``.
    """
    if int(n_iter) < 1:
        raise ValueError(f'n_iter={n_iter}: differentiable SLIC needs at least one iteration')
    centres = cell_means(feats, cell_size)
    for _ in range(int(n_iter)):
        assoc = slic_association(feats, centres, cell_size)
        centres = pool_to_superpixels(feats, assoc, cell_size)
    return assoc, centres


def compactness_loss(assoc: Tensor, cell_size: int) -> Tensor:
    """SSN's compactness loss: pixel positions against the position of their superpixel.

    Superpixel positions are the association-weighted means of pixel positions (soft Q);
    each pixel is mapped back to the position of its hard-assigned superpixel (argmax of Q),
    as the SSN paper's L_c does. Positions in pixels and the mean squared error over pixels
    and the two coordinates, as perrying/ssn-pytorch (weight 1e-5 there); the SSN paper's
    Caffe loss sums over pixels on its scaled positions instead.

    Args:
        assoc: (B, 9, H, W) association Q.
    Returns:
        0-d tensor.
    """
    yx = pixel_coordinates(assoc.shape[-2:], assoc.device, assoc.dtype)
    yx = yx.unsqueeze(0).expand(assoc.shape[0], -1, -1, -1)
    centres = pool_to_superpixels(yx, assoc, cell_size)
    return (yx - unpool_from_superpixels(centres, hard_assign(assoc), cell_size)).square().mean()
