"""Superpixel FCN operations (Yang et al., "Superpixel Segmentation with Fully Convolutional
Networks", CVPR 2020; Eq. 1 of the joint superpixel paper): the association map of every
pixel to its 9 neighbouring grid cells, pooling pixel features to superpixels and back, the
loss, and hard superpixel labels.

Conventions. Cells of ``cell_size`` S pixels tile the image from its top-left corner; the
grid has (h, w) = (ceil(H/S), ceil(W/S)) cells, the last row / column possibly partial, so
any image size and any S work (the reference code needs H, W divisible by 16 and S = 16).
Pixel (y, x) lies in cell (y // S, x // S); its 9 candidate superpixels are that cell and its
8 neighbours, numbered n = 3 (dy + 1) + (dx + 1) as in ``soft_clustering`` (whose
``neighbour_validity`` gives which candidates exist). Candidates outside the grid get zero
association. Superpixel ids are cell indices ``i * w + j``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .soft_clustering import (
    NEIGHBOURS,
    chosen_cells,
    from_cells,
    neighbour_validity,
    reassemble_cells_batched,
    to_cells,
)


def grid_size(size: tuple[int, int], cell_size: int) -> tuple[int, int]:
    """(ceil(H/S), ceil(W/S)): the superpixel grid of an (H, W) image."""
    if int(cell_size) < 1:
        raise ValueError(f'cell_size={cell_size}: must be a positive number of pixels')
    return (-(-size[0] // cell_size), -(-size[1] // cell_size))


def pixel_validity(
    size: tuple[int, int], cell_size: int, device: torch.device | None = None
) -> Tensor:
    """(9, H, W) bool: whether candidate n of pixel (y, x) is a cell inside the grid."""
    grid = grid_size(size, cell_size)
    valid = neighbour_validity(*grid, device=device)  # (9, h, w)
    valid = valid.repeat_interleave(cell_size, 1).repeat_interleave(cell_size, 2)
    return valid[:, : size[0], : size[1]]


def association(logits: Tensor, cell_size: int) -> Tensor:
    """Softmax over the 9 candidate superpixels, zero outside the grid.

    Args:
        logits: (B, 9, H, W) the network's scores.
    Returns:
        (B, 9, H, W) association map q, summing to 1 over dim 1.
    """
    if logits.shape[1] != NEIGHBOURS:
        raise ValueError(
            f'association logits need {NEIGHBOURS} channels, got shape {tuple(logits.shape)}'
        )
    valid = pixel_validity(logits.shape[-2:], cell_size, logits.device)
    return logits.masked_fill(~valid, float('-inf')).softmax(dim=1)


def pool_to_superpixels(feats: Tensor, assoc: Tensor, cell_size: int, eps: float = 1e-8) -> Tensor:
    """Superpixel features u_s = sum_p f(p) q_s(p) / sum_p q_s(p) (Eq. 1, second line).

    Args:
        feats: (B, C, H, W) pixel properties f.
        assoc: (B, 9, H, W) association map q.
    Returns:
        (B, C, h, w) one vector per grid cell (superpixel).
    """
    s = cell_size
    grid = grid_size(feats.shape[-2:], s)
    if assoc.shape[-2:] != feats.shape[-2:] or assoc.shape[1] != NEIGHBOURS:
        raise ValueError(
            f'association {tuple(assoc.shape)} does not fit features '
            f'{tuple(feats.shape)}: expected (B, 9, H, W)'
        )
    (b, c), (h, w) = feats.shape[:2], grid
    # a ones channel gives the normaliser sum_p q_s(p) in the same pass
    f = to_cells(torch.cat([feats, torch.ones_like(feats[:, :1])], 1), grid, s)
    q = to_cells(assoc, grid, s)
    # what cell (i, j)'s pixels give to each of their 9 candidates: one (C+1, S^2) x (S^2, 9)
    # product per cell (6x faster on CPU than 9 shifted products at S = 16, B = 8, 208^2)
    parts = torch.einsum('bchiwj,bnhiwj->bcnhw', f, q)
    # fold, unfold's adjoint, adds part n of cell (i, j) into superpixel (i + dy, j + dx)
    acc = F.fold(parts.reshape(b, (c + 1) * NEIGHBOURS, h * w), grid, 3, padding=1)
    return acc[:, :-1] / acc[:, -1:].clamp(min=eps)


def unpool_from_superpixels(sp_feats: Tensor, assoc: Tensor, cell_size: int) -> Tensor:
    """Pixel features f'(p) = sum_{s in N_p} u_s q_s(p) (Eq. 1, third line).

    Args:
        sp_feats: (B, C, h, w) superpixel features on the grid.
        assoc: (B, 9, H, W) association map, grid (h, w) = ceil(H/S, W/S).
    Returns:
        (B, C, H, W).
    """
    s = cell_size
    size = assoc.shape[-2:]
    h, w = grid_size(size, s)
    if tuple(sp_feats.shape[-2:]) != (h, w):
        raise ValueError(
            f'superpixel features {tuple(sp_feats.shape)} do not match the '
            f'grid {(h, w)} of a {tuple(size)} image with cell_size={s}'
        )
    padded = F.pad(sp_feats, (1, 1, 1, 1))
    # one (C, 9) x (9, S^2) product per cell: 20x faster on CPU than 9 shifted products
    # at S = 16 (forward and backward)
    out = reassemble_cells_batched(padded, to_cells(assoc, (h, w), s), 3)
    return from_cells(out, size)


def pixel_coordinates(
    size: tuple[int, int], device: torch.device | None = None, dtype: torch.dtype = torch.float32
) -> Tensor:
    """(2, H, W) pixel coordinates c(p) = (y, x) in pixels."""
    ys = torch.arange(size[0], device=device, dtype=dtype)
    xs = torch.arange(size[1], device=device, dtype=dtype)
    return torch.stack(torch.meshgrid(ys, xs, indexing='ij'))


def one_hot_labels(labels: Tensor, num_classes: int, ignore_index: int = 255) -> Tensor:
    """(B, H, W) class ids -> (B, num_classes, H, W) float one-hot; ignored pixels all zero
    (so they add nothing to the reconstruction term)."""
    keep = labels != ignore_index
    if bool(((labels < 0) | (labels >= num_classes))[keep].any()):
        raise ValueError(
            f'labels outside [0, {num_classes}) other than ignore_index={ignore_index}'
        )
    onehot = F.one_hot(labels.where(keep, 0).long(), num_classes).permute(0, 3, 1, 2)
    return onehot.float() * keep.unsqueeze(1)


def rgb_to_lab(rgb: Tensor) -> Tensor:
    """CIELAB colour (D65), the superpixel FCN's colour property, as scikit-image's rgb2lab.

    Args:
        rgb: (B, 3, H, W) sRGB in [0, 1].
    Returns:
        (B, 3, H, W) L in [0, 100], a, b roughly in [-128, 127].
    """
    linear = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    m = rgb.new_tensor(
        [
            [0.412453, 0.357580, 0.180423],
            [0.212671, 0.715160, 0.072169],
            [0.019334, 0.119193, 0.950227],
        ]
    )
    xyz = torch.einsum('ij,bjhw->bihw', m, linear)
    xyz = xyz / rgb.new_tensor([0.95047, 1.0, 1.08883]).view(1, 3, 1, 1)
    f = torch.where(xyz > 0.008856, xyz.clamp(min=1e-12) ** (1 / 3), 7.787 * xyz + 16 / 116)
    return torch.stack(
        [116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1
    )


def superpixel_loss(
    assoc: Tensor,
    props: Tensor,
    cell_size: int,
    m: float = 0.003,
    distance: str = 'ce',
    eps: float = 1e-8,
) -> tuple[Tensor, Tensor]:
    """The superpixel FCN loss (Eq. 1), per pixel: reconstruction of the pixel properties
    plus ``m / S`` times the position reconstruction error.

    Eq. 1 sums over pixels; this returns means over pixels and images (Eq. 1 / N_p averaged
    over the batch), so its scale does not depend on the image size.

    Args:
        assoc: (B, 9, H, W) association map q.
        props: (B, K, H, W) pixel properties f: one-hot labels (``distance='ce'``,
            E = -sum_k f_k log f'_k) or e.g. CIELAB colour (``distance='l2'``,
            E = ||f - f'||_2).
        cell_size: S, the superpixel sampling interval (the paper's D).
        m: compactness weight; positions c are in pixels and the term is
            m / S * ||c - c'||_2 (the reference code's ``pos_weight``, 0.003 by default).
    Returns:
        ``(reconstruction, position)`` 0-d tensors; the loss is their sum.
    """
    if distance not in ('ce', 'l2'):
        raise ValueError(f'distance={distance!r}: expected "ce" or "l2"')
    coords = pixel_coordinates(props.shape[-2:], props.device, props.dtype)
    coords = coords.unsqueeze(0).expand(props.shape[0], -1, -1, -1)
    feats = torch.cat([props, coords], 1)
    recon = unpool_from_superpixels(
        pool_to_superpixels(feats, assoc, cell_size, eps), assoc, cell_size
    )
    f_rec, c_rec = recon[:, :-2], recon[:, -2:]
    if distance == 'ce':
        e = -(props * torch.log(f_rec + eps)).sum(1)
    else:
        e = (props - f_rec).norm(dim=1)
    pos = (coords - c_rec).norm(dim=1)
    return e.mean(), m / cell_size * pos.mean()


def hard_superpixels(assoc: Tensor, cell_size: int) -> Tensor:
    """Hard superpixel labels: each pixel takes its most associated candidate cell.

    Args:
        assoc: (B, 9, H, W) association map (or its logits with invalid candidates -inf).
    Returns:
        (B, H, W) long ids ``i * w + j`` in [0, h * w), (h, w) the grid.
    """
    return chosen_cells(assoc.argmax(dim=1), cell_size, grid_size(assoc.shape[-2:], cell_size))
