"""Diagnostics of HC's cluster assignments against ground truth: does a pixel of a class
pick a seed of another class (the decoded prediction then borrows that class), and how sure
is the assignment (its entropy)? Used to explain where cluster decoding loses thin classes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .cpp_pooling import cpp_pool, infer_cpp_scale
from .soft_clustering import NEIGHBOURS, OWN_CELL


def block_labels(
    labels: Tensor, size: tuple[int, int], num_classes: int, ignore_index: int = 255
) -> Tensor:
    """The majority label of each pixel's block when (B, H, W) labels are seen at ``size``.

    Block (i, j) covers rows floor(i H / h) .. floor((i + 1) H / h) - 1 (adaptive pooling,
    so 360 -> 12 at stride 32 works); ties go to the lower class id.
    Returns:
        (B, h, w) long; ``ignore_index`` where the block has no labelled pixel.
    """
    valid = labels != ignore_index
    onehot = F.one_hot(labels.clamp(0, num_classes - 1) * valid, num_classes)
    onehot = (onehot * valid.unsqueeze(-1)).permute(0, 3, 1, 2).float()
    counts = F.adaptive_avg_pool2d(onehot, size)  # (B, K, h, w) class shares
    out = counts.argmax(1)
    return out.masked_fill(counts.sum(1) == 0, ignore_index)


def candidate_seed_labels(
    size: tuple[int, int], seed_labels: Tensor, ignore_index: int = 255
) -> Tensor:
    """The labels of the 9 candidate seeds of every pixel of a (H, W) level.

    Args:
        size: (H, W) of the level's pixels.
        seed_labels: (B, h, w) long labels of the seeds, (h, w) = ceil(H/2), ceil(W/2) or
            the floor.
    Returns:
        (B, 9, H, W) long, in soft clustering's neighbour numbering; seeds outside the map
        read ``ignore_index``.
    """
    hh, ww = size
    grid = ((hh + 1) // 2, (ww + 1) // 2)
    padded = F.pad(
        seed_labels,
        (1, 1 + grid[1] - seed_labels.shape[-1], 1, 1 + grid[0] - seed_labels.shape[-2]),
        value=ignore_index,
    )
    cand = torch.stack(
        [
            padded[:, n_ // 3 : n_ // 3 + grid[0], n_ % 3 : n_ % 3 + grid[1]]
            for n_ in range(NEIGHBOURS)
        ],
        1,
    )  # (B, 9, h, w)
    # pixel (y, x) lies in cell (y // 2, x // 2)
    return cand.repeat_interleave(2, 2).repeat_interleave(2, 3)[..., :hh, :ww]


def argmax_seed_labels(assignment: Tensor, seed_labels: Tensor, ignore_index: int = 255) -> Tensor:
    """The label of each pixel's argmax seed.

    Args:
        assignment: (B, 9, H, W) (soft clustering's neighbour numbering).
        seed_labels: (B, h, w) long labels of the seeds (see :func:`candidate_seed_labels`).
    Returns:
        (B, H, W) long; seeds outside the map (never an argmax of a valid assignment)
        read ``ignore_index``.
    """
    cand = candidate_seed_labels(tuple(assignment.shape[-2:]), seed_labels, ignore_index)
    return cand.gather(1, assignment.argmax(1, keepdim=True)).squeeze(1)


def assignment_entropy(assignment: Tensor) -> Tensor:
    """(B, 9, H, W) -> (B, H, W) entropy in nats (0: one seed; log 9: uniform)."""
    a = assignment.clamp_min(1e-12)
    return -(assignment * a.log()).sum(1)


def leakage_by_class(
    assignment: Tensor, labels: Tensor, num_classes: int, ignore_index: int = 255
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Per class, how many pixels of one level pick a seed of another class, how many have
    no seed of their class to pick, the assignment entropy, and how many would pick a seed
    of another class by taking their own cell's (nearest upsampling, the reference).

    Args:
        assignment: (B, 9, H, W) assignment of one level.
        labels: (B, H0, W0) full-resolution ground truth.
    Returns:
        ``pixels`` (K,) labelled pixels of each class at this level (block majority),
        ``leaked`` (K,) of those whose argmax seed has a different (labelled) class,
        ``no_seed`` (K,) of those none of whose 9 candidate seeds has their class (no
        assignment can decode them right: a limit of the seed resolution, not of the
        clustering), ``entropy`` (K,) summed assignment entropy of those pixels,
        ``own_leaked`` (K,) of those whose own cell's seed has a different (labelled) class.
    """
    hh, ww = assignment.shape[-2:]
    seeds = ((hh + 1) // 2, (ww + 1) // 2)
    pixel = block_labels(labels, (hh, ww), num_classes, ignore_index)
    cand = candidate_seed_labels(
        (hh, ww), block_labels(labels, seeds, num_classes, ignore_index), ignore_index
    )
    ok = pixel != ignore_index

    def leaked(seed: Tensor) -> Tensor:
        return ok & (seed != ignore_index) & (seed != pixel)

    wrong = leaked(cand.gather(1, assignment.argmax(1, keepdim=True)).squeeze(1))
    no_seed = ok & ~(cand == pixel.unsqueeze(1)).any(1)
    idx = pixel.clamp(max=num_classes - 1)
    ent = assignment_entropy(assignment)

    def count(values: Tensor) -> Tensor:
        return torch.zeros(num_classes, dtype=torch.float64).index_add_(
            0, idx[ok].cpu(), values[ok].double().cpu()
        )

    return (
        count(torch.ones_like(ent)),
        count(wrong.float()),
        count(no_seed.float()),
        count(ent),
        count(leaked(cand[:, OWN_CELL]).float()),
    )


def cell_labels(
    labels: Tensor, size: tuple[int, int], num_classes: int, ignore_index: int = 255
) -> Tensor:
    """The majority label of each stride-s cell of (B, H0, W0) labels, on the network's grid
    (H, W) = ``size`` = ceil(H0 / s), ceil(W0 / s) (CPP pooling's cells; ties go to the lower
    class id).

    Returns:
        (B, H, W) long; ``ignore_index`` where the cell has no labelled pixel.
    """
    scale = infer_cpp_scale(tuple(labels.shape[-2:]), size)
    probs = cpp_pool(labels, num_classes, scale, ignore_index, max_ignore_ratio=1.0).probs
    return probs.argmax(1).masked_fill(probs.sum(1) == 0, ignore_index)


def own_cell_assignment(assignment: Tensor) -> Tensor:
    """(B, 9, H, W) one-hot on each pixel's own cell's seed: decoding through it is nearest
    upsampling in the cell convention (odd sizes crop the last half cell)."""
    out = torch.zeros_like(assignment)
    out[:, OWN_CELL] = 1
    return out


def oracle_assignment(pixel_labels: Tensor, seed_labels: Tensor, ignore_index: int = 255) -> Tensor:
    """The best hard assignment the ground truth allows: each pixel picks its own cell's seed
    if that has the pixel's class, else the first candidate seed (neighbour order) that has
    it, else its own cell's seed.

    Args:
        pixel_labels: (B, H, W) long labels of the level's pixels (:func:`cell_labels`).
        seed_labels: (B, h, w) long labels of its seeds, (h, w) = ceil(H/2), ceil(W/2).
    Returns:
        (B, 9, H, W) one-hot.
    """
    cand = candidate_seed_labels(tuple(pixel_labels.shape[-2:]), seed_labels, ignore_index)
    match = (cand == pixel_labels.unsqueeze(1)) & (pixel_labels != ignore_index).unsqueeze(1)
    match[:, OWN_CELL] |= ~match.any(1)  # no seed of the class: the own cell
    # the own cell first, then the neighbours in order: argmax returns the first maximum
    order = [OWN_CELL] + [n for n in range(NEIGHBOURS) if n != OWN_CELL]
    pick = torch.tensor(order, device=match.device)[match[:, order].float().argmax(1)]
    return F.one_hot(pick, NEIGHBOURS).permute(0, 3, 1, 2).to(torch.float32)
