"""Hierarchical soft clustering (Suzuki, "Implicit Integration of Superpixel Segmentation
into Fully Convolutional Networks"): assignments of pixels to the 9 neighbouring seeds of a
stride-2 downsampled map (Eq. 1, 4), and cluster-based decoding (Eq. 2-3).

Conventions. A fine map at stride s has size (H, W); its seeds are the stride-2s map of size
(h, w) = (ceil(H/2), ceil(W/2)), the size a stride-2 convolution with padding produces, or
(floor(H/2), floor(W/2)) in either dimension, the size of an unpadded 2x2 stride-2
downsampling (ConvNeXt's); the missing last row or column of seeds then counts as outside.
Fine pixel (y, x) lies in cell (y // 2, x // 2); its 9 candidate seeds are that cell's seed
and its 8 neighbours, numbered n = 3 * (dy + 1) + (dx + 1) for offsets dy, dx in {-1, 0, 1}.
Candidates outside the seed map get exactly zero weight (the paper's reference code pads
them with zero features, which still receive exp(0 / tau) of the weight).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

NEIGHBOURS = 9
OWN_CELL = 4  # n of the offset (0, 0): the seed of the pixel's own cell


def is_seed_size(coarse: tuple[int, int], fine: tuple[int, int]) -> bool:
    """Whether a (h, w) map can be the seed map of a (H, W) one: ceil or floor of half."""
    return all(c in (f // 2, (f + 1) // 2) for c, f in zip(coarse, fine))


def _check_sizes(fine: tuple[int, int], coarse: tuple[int, int]) -> tuple[int, int]:
    """Validate a (fine, seed) size pair; return the cell grid size ceil(H/2), ceil(W/2)."""
    expected = ((fine[0] + 1) // 2, (fine[1] + 1) // 2)
    if not is_seed_size(coarse, fine):
        raise ValueError(
            f'seed map size {tuple(coarse)} does not match fine size '
            f'{tuple(fine)}: expected ceil(H/2), ceil(W/2) = {expected} '
            f'(or the floor, {(fine[0] // 2, fine[1] // 2)})'
        )
    return expected


def _pad_to(x: Tensor, size: tuple[int, int]) -> Tensor:
    """Zero-pad the last two dims of ``x`` at the bottom and right up to ``size``."""
    return F.pad(x, (0, size[1] - x.shape[-1], 0, size[0] - x.shape[-2]))


def cell_neighbours(x: Tensor) -> Tensor:
    """(B, C, h, w) -> (B, C, 9, h, w): each cell's 3x3 neighbourhood (candidate n at
    3 (dy + 1) + (dx + 1)), zero outside."""
    b, c, h, w = x.shape
    return F.unfold(x, kernel_size=3, padding=1).view(b, c, NEIGHBOURS, h, w)


def neighbour_validity(
    h: int, w: int, device: torch.device | None = None, grid: tuple[int, int] | None = None
) -> Tensor:
    """(9, H_c, W_c) bool: whether candidate n of cell (i, j) lies inside the (h, w) seed map.

    ``grid`` is the cell grid (H_c, W_c), (h, w) by default; a larger grid's extra cells see
    the real seeds only.
    """
    ones = _pad_to(torch.ones(1, 1, h, w, device=device), grid or (h, w))
    return cell_neighbours(ones)[0, 0] > 0


def neighbour_offset(n: int | Tensor) -> tuple[int | Tensor, int | Tensor]:
    """(dy, dx) in {-1, 0, 1} of candidate number ``n`` = 3 * (dy + 1) + (dx + 1) (ints, or
    elementwise for a tensor of candidate numbers). The one place that numbering is decoded."""
    return n // 3 - 1, n % 3 - 1


def chosen_cells(choice: Tensor, cell_size: int, grid: tuple[int, int]) -> Tensor:
    """Ids of the cells that pixels chose among their 9 candidates.

    Args:
        choice: (B, H, W) candidate numbers n in [0, 9) (e.g. an assignment's argmax).
        cell_size: pixels per cell side (2 between HC levels, S for superpixel grids).
        grid: (h, w) of the cell grid.
    Returns:
        (B, H, W) long ids ``i * w + j`` of cell (y // cell_size + dy, x // cell_size + dx);
        an argmax never picks a candidate outside the grid (weight 0 < valid ones), and such
        a choice is clamped onto the border for safety.
    """
    size = choice.shape[-2:]
    dy, dx = neighbour_offset(choice)
    ys = torch.arange(size[0], device=choice.device).view(1, -1, 1) // cell_size + dy
    xs = torch.arange(size[1], device=choice.device).view(1, 1, -1) // cell_size + dx
    h, w = grid
    return ys.clamp(0, h - 1) * w + xs.clamp(0, w - 1)


def reassemble_cells(padded: Tensor, cells: Tensor, kernel_size: int) -> Tensor:
    """Weighted sums of each cell's k x k neighbourhood: CARAFE's reassembly, and HC's Eq. 2
    for k = 3 (the clustering's weights as kernels).

    Args:
        padded: (B, C, h + k - 1, w + k - 1) a cell-grid map zero-padded by k // 2 cells.
        cells: (B, k^2, h, s, w, s) per-pixel weights of taps n = (dy, dx) = (n // k, n % k).
    Returns:
        (B, C, h, s, w, s): sum over n of weight n times neighbour (i + dy - k // 2, ...).
    """
    if torch.is_grad_enabled() and (padded.requires_grad or cells.requires_grad):
        # training: its backward is 2.5-4x faster on CPU than that of the shifted products
        # (benchmarks/upsamplers_speed.py)
        return reassemble_cells_batched(padded, cells, kernel_size)
    # inference: faster forward at 45x60 than the batched product
    return reassemble_cells_shifted(padded, cells, kernel_size)


def reassemble_cells_batched(padded: Tensor, cells: Tensor, kernel_size: int) -> Tensor:
    """:func:`reassemble_cells` as each cell's neighbourhood once, (B, C, k^2, h, w) by
    ``F.unfold`` (k^2 / s^2 times the output's size), then one batched product per cell."""
    k, (b, c), (h, w) = kernel_size, padded.shape[:2], (cells.shape[2], cells.shape[4])
    cols = F.unfold(padded, k).view(b, c, k * k, h, w)
    return torch.einsum('bcnhw,bnhiwj->bchiwj', cols, cells)


def reassemble_cells_shifted(padded: Tensor, cells: Tensor, kernel_size: int) -> Tensor:
    """:func:`reassemble_cells` as one shifted product per tap: k^2 maps of the output's size."""
    k, (h, w) = kernel_size, (cells.shape[2], cells.shape[4])
    return sum(
        padded[:, :, n // k : n // k + h, n % k : n % k + w].unsqueeze(3).unsqueeze(5)
        * cells[:, n : n + 1]
        for n in range(k * k)
    )


def to_cells(x: Tensor, grid: tuple[int, int], factor: int = 2) -> Tensor:
    """(B, C, H, W) -> (B, C, h, S, w, S) cells of S = ``factor`` pixels a side, zero-padding
    H, W at the bottom and right up to S h, S w; (h, w) = ``grid``."""
    b, c, hh, ww = x.shape
    h, w = grid
    return F.pad(x, (0, factor * w - ww, 0, factor * h - hh)).view(b, c, h, factor, w, factor)


def from_cells(x: Tensor, size: tuple[int, int]) -> Tensor:
    """(B, C, h, S, w, S) -> (B, C, H, W), cropping the padding of :func:`to_cells`."""
    b, c, h, s, w, _ = x.shape
    return x.reshape(b, c, h * s, w * s)[:, :, : size[0], : size[1]]


def cosine_similarity_to_seeds(feats: Tensor, seeds: Tensor) -> Tensor:
    """Cosine similarity of each fine pixel to its 9 candidate seeds.

    Args:
        feats: (B, K, H, W) projected pixel features at stride s.
        seeds: (B, K, ceil(H/2), ceil(W/2)) projected seeds at stride 2s.
    Returns:
        (B, 9, H, W) similarities in [-1, 1] (0 for candidates outside the seed map).
    """
    h, w = _check_sizes(feats.shape[-2:], seeds.shape[-2:])
    # channels last, so that each dot product reduces over contiguous memory (1.6-2x faster
    # inference than over dim 1 of (B, K, h, 2, w, 2); training the same)
    cells = to_cells(F.normalize(feats, dim=1), (h, w)).permute(0, 2, 3, 4, 5, 1).contiguous()
    padded = F.pad(_pad_to(F.normalize(seeds, dim=1), (h, w)), (1, 1, 1, 1))
    padded = padded.permute(0, 2, 3, 1).contiguous()  # (B, h + 2, w + 2, K)
    # one shifted dot product per neighbour: torch.einsum would batch the contraction over
    # every cell as a tiny matmul, which is ~50x slower on CPU
    sim = []
    for n in range(NEIGHBOURS):
        dy, dx = neighbour_offset(n)
        seed = padded[:, dy + 1 : dy + 1 + h, dx + 1 : dx + 1 + w]  # (B, h, w, K)
        sim.append((cells * seed.unsqueeze(2).unsqueeze(4)).sum(-1))  # (B, h, 2, w, 2)
    return from_cells(torch.stack(sim, dim=1), feats.shape[-2:])


def soft_assign(feats: Tensor, seeds: Tensor, tau: float | Tensor = 0.07) -> Tensor:
    """Soft assignment of pixels to their 9 neighbouring seeds (Eq. 4).

    Args:
        feats: (B, K, H, W) projected pixel features at stride s (W^(s) x^(s)).
        seeds: (B, K, ceil(H/2), ceil(W/2)) projected seeds (W~^(2s) s^(2s)).
        tau: softmax temperature (a float or a 0-d tensor, e.g. a learnable one).
    Returns:
        (B, 9, H, W) weights summing to 1 over dim 1; seeds outside the image get 0.
    """
    sim = cosine_similarity_to_seeds(feats, seeds)
    grid = _check_sizes(feats.shape[-2:], seeds.shape[-2:])
    valid = neighbour_validity(*seeds.shape[-2:], sim.device, grid)
    valid = valid.repeat_interleave(2, 1).repeat_interleave(2, 2)[:, : sim.shape[2], : sim.shape[3]]
    logits = (sim / tau).masked_fill(~valid, float('-inf'))
    return logits.softmax(dim=1)


def hard_assign(assignment: Tensor) -> Tensor:
    """One-hot argmax of an assignment: the hard clustering of Eq. 1 (the tau -> 0 limit).

    Args:
        assignment: (B, 9, H, W) soft assignment (or similarities with invalid seeds -inf).
    Returns:
        (B, 9, H, W) one-hot weights.
    """
    idx = assignment.argmax(dim=1, keepdim=True)
    return torch.zeros_like(assignment).scatter_(1, idx, 1.0)


def cluster_decode(coarse: Tensor, assignment: Tensor) -> Tensor:
    """Decode a stride-2s map to stride s through the clusters (Eq. 2): x~ = A x.

    Args:
        coarse: (B, C, h, w) features or logits at stride 2s.
        assignment: (B, 9, H, W) assignment of the stride-s pixels, (h, w) = ceil(H/2, W/2).
    Returns:
        (B, C, H, W): each pixel the assignment-weighted mean of its 9 candidate seeds.
    """
    h, w = _check_sizes(assignment.shape[-2:], coarse.shape[-2:])
    # seeds missing from a floor-sized map have zero weight: their zero padding is inert
    padded = F.pad(_pad_to(coarse, (h, w)), (1, 1, 1, 1))
    out = reassemble_cells(padded, to_cells(assignment, (h, w)), 3)  # (B, C, h, 2, w, 2)
    return from_cells(out, assignment.shape[-2:])


def hierarchical_decode(
    coarse: Tensor, assignments: list[Tensor], steps: int | None = None, strict: bool = True
) -> Tensor:
    """Decode through consecutive levels of assignments (Eq. 3): the one home of decoding
    through HC's clusters (segmentor, FPN neck and FPN head all call it).

    Args:
        coarse: (B, C, h, w) features or logits.
        assignments: (B, 9, H_l, W_l) assignments ordered coarse to fine, each next one's
            seeds the size of the previous one's pixels.
        steps: decode through at most this many levels (None: all that follow).
        strict: the first assignment's seeds must have the size of ``coarse`` (a ValueError
            otherwise). ``False``: start at the first assignment whose seeds have that size,
            and return ``coarse`` itself when none has (e.g. a head that already predicts
            at the finest clustered stride).
    Returns:
        (B, C, H, W) at the resolution of the last level decoded through.
    """
    if not strict:
        start = next(
            (i for i, a in enumerate(assignments) if is_seed_size(coarse.shape[-2:], a.shape[-2:])),
            len(assignments),
        )
        assignments = assignments[start:]
    for a in assignments[:steps]:
        coarse = cluster_decode(coarse, a)
    return coarse


def cluster_labels(assignments: list[Tensor], coarse_size: tuple[int, int]) -> Tensor:
    """Superpixel label map from the hierarchy of hard assignments (the paper's Fig. 3).

    Every seed of the coarsest map is one cluster (id ``i * w + j``); each finer pixel takes
    the id of its argmax seed, level by level.

    Args:
        assignments: (B, 9, H_l, W_l) assignments ordered coarse to fine.
        coarse_size: (h, w) of the coarsest seed map.
    Returns:
        (B, H, W) long cluster ids at the finest assignment's resolution.
    """
    b = assignments[0].shape[0]
    h, w = coarse_size
    device = assignments[0].device
    labels = torch.arange(h * w, device=device).view(1, h, w).expand(b, h, w)
    for a in assignments:
        hh, ww = a.shape[-2:]
        _check_sizes((hh, ww), labels.shape[-2:])
        ids = chosen_cells(a.argmax(dim=1), 2, labels.shape[-2:])  # (B, H, W)
        flat = labels.reshape(b, -1)
        labels = torch.gather(flat, 1, ids.reshape(b, -1)).view(b, hh, ww)
    return labels
