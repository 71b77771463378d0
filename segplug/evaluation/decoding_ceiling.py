"""How well a decoding can carry perfect coarse predictions to full resolution: the ground
truth's class shares on the coarsest seed grid (CPP pooling), decoded up the levels of an HC
model's clustering by bilinear upsampling, by the own cell's seed (nearest), through the
model's learned assignments (soft, or their argmax) and through the oracle assignment that
the ground truth allows; then bilinear to full resolution and argmax. The gap between
bilinear / learned / oracle per class says whether a class is lost by the decoding the
network learned or by the seed resolution itself, independently of how well the network
predicts at stride 32.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..ops.cluster_diagnostics import cell_labels, oracle_assignment, own_cell_assignment
from ..ops.cpp_pooling import cpp_pool, infer_cpp_scale
from ..ops.soft_clustering import cluster_decode, hard_assign
from .cluster_leakage import assignments_and_labels
from .confusion_matrix import confusion_matrix

MODES = ('bilinear', 'own_cell', 'learned', 'learned_hard', 'oracle')


def decode_shares(
    shares: Tensor,
    assignments: list[Tensor],
    mode: str,
    labels: Tensor | None = None,
    ignore_index: int = 255,
) -> Tensor:
    """Decode class shares through the levels of a clustering.

    Args:
        shares: (B, K, h, w) class shares on the first assignment's seed grid.
        assignments: (B, 9, H_l, W_l) the model's assignments, coarse to fine.
        mode: one of ``MODES``.
        labels: (B, H0, W0) full-resolution ground truth; needed by ``'oracle'``.
    Returns:
        (B, K, H_L, W_L) on the finest level's grid.
    """
    if mode not in MODES:
        raise ValueError(f'decode_shares: mode={mode!r} is not one of {MODES}')
    if mode == 'oracle' and labels is None:
        raise ValueError("decode_shares: mode='oracle' needs the ground-truth labels")
    x, k = shares, shares.shape[1]
    if mode == 'oracle':
        assignments = oracle_assignments(labels, assignments, k, ignore_index)
    for a in assignments:
        size = tuple(a.shape[-2:])
        if mode == 'bilinear':
            x = F.interpolate(x, size, mode='bilinear', align_corners=False)
            continue
        if mode == 'own_cell':
            a = own_cell_assignment(a)
        elif mode == 'learned_hard':
            a = hard_assign(a)
        x = cluster_decode(x, a)
    return x


def oracle_assignments(
    labels: Tensor, assignments: list[Tensor], num_classes: int, ignore_index: int = 255
) -> list[Tensor]:
    """The oracle's hard assignment on the grid of each of ``assignments`` (coarse to fine,
    (B, 9, H_l, W_l)): :func:`oracle_assignment` of each level's cell majority labels
    against those of its seeds (the previous level, or ceil(H_0 / 2) x ceil(W_0 / 2) for the
    first), all from ``labels`` (B, H, W). Returns the same shapes as ``assignments``."""
    out = []
    seeds_size = tuple((d + 1) // 2 for d in assignments[0].shape[-2:]) if assignments else ()
    for a in assignments:
        size = tuple(a.shape[-2:])
        pixel = cell_labels(labels, size, num_classes, ignore_index)
        seeds = cell_labels(labels, seeds_size, num_classes, ignore_index)
        out.append(oracle_assignment(pixel, seeds, ignore_index))
        seeds_size = size
    return out


SEEDS = ('shares', 'majority')


def coarse_seeds(
    labels: Tensor, size: tuple[int, int], num_classes: int, kind: str, ignore_index: int = 255
) -> Tensor:
    """(B, K, h, w) what the coarsest seeds carry: ``'shares'``, the class shares of each
    stride-s cell (CPP pooling); ``'majority'``, one-hot of the cell's majority class (all zero
    for a cell without labelled pixels).

    Args:
        labels: (B, H0, W0) ground truth; (h, w) = ``size`` = ceil(H0 / s), ceil(W0 / s).
    """
    if kind == 'shares':
        scale = infer_cpp_scale(tuple(labels.shape[-2:]), size)
        return cpp_pool(labels, num_classes, scale, ignore_index).probs
    if kind == 'majority':
        major = cell_labels(labels, size, num_classes, ignore_index)
        onehot = F.one_hot(major.clamp(max=num_classes), num_classes + 1)[..., :num_classes]
        return onehot.permute(0, 3, 1, 2).float()
    raise ValueError(f'coarse_seeds: kind={kind!r} is not one of {SEEDS}')


def decoding_ceiling(
    model: nn.Module,
    samples: Iterable[dict],
    num_classes: int,
    ignore_index: int = 255,
    seeds: tuple[str, ...] = SEEDS,
    modes: tuple[str, ...] = MODES,
    levels: tuple[int, ...] | None = None,
) -> dict[str, np.ndarray]:
    """:func:`ceiling_totals` of an HC segmentor (its backbone returns HCFeatures) over
    MMSegmentation dataset items (``inputs``, ``data_samples`` with ``gt_sem_seg``), e.g. a
    val dataset."""
    pairs = assignments_and_labels(model, samples, 'decoding_ceiling')
    return ceiling_totals(pairs, num_classes, ignore_index, seeds, modes, levels)


@torch.no_grad()
def ceiling_totals(
    pairs: Iterable[tuple[list[Tensor], Tensor]],
    num_classes: int,
    ignore_index: int = 255,
    seeds: tuple[str, ...] = SEEDS,
    modes: tuple[str, ...] = MODES,
    levels: tuple[int, ...] | None = None,
) -> dict[str, np.ndarray]:
    """Accumulate, per kind of seeds and mode, the (K, K) confusion matrix (rows: ground
    truth) of the decoded ground truth against the ground truth, over samples.

    Args:
        pairs: per sample, the assignments (coarse to fine, each (1, 9, H_l, W_l)) and the
            ground truth (1, H, W), as :func:`assignments_and_labels` yields them.
        seeds: kinds of :func:`coarse_seeds`.
        modes: decodings of :func:`decode_shares`.
        levels: decode through only the finest L levels (seeds at the stride of the L-th
            finest level's seeds; L = 0: no decoding, the finest level's own cells); None:
            all of the model's levels.
    Returns:
        ``{'L<levels>/<seeds>/<mode>': (K, K) int64}``.
    """
    totals: dict[str, np.ndarray] = {}
    for assignments, labels in pairs:
        gt = labels[0].cpu().numpy()
        for n in (len(assignments),) if levels is None else levels:
            if not 0 <= n <= len(assignments):
                raise ValueError(
                    f'decoding_ceiling: levels={n}, but the model has {len(assignments)} levels'
                )
            used = assignments[len(assignments) - n :]
            last = assignments[-1].shape[-2:]
            grid = tuple((d + 1) // 2 for d in used[0].shape[-2:]) if used else tuple(last)
            # the oracle's assignments depend on the labels only: once for every kind of seeds,
            # and only when the oracle is asked for
            oracle = (
                oracle_assignments(labels, used, num_classes, ignore_index)
                if 'oracle' in modes
                else []
            )
            for kind in seeds:
                coarse = coarse_seeds(labels, grid, num_classes, kind, ignore_index)
                for m in modes if n else modes[:1]:  # no level: nothing to compare
                    if m == 'oracle':  # decoding through given assignments is 'learned'
                        out = decode_shares(coarse, oracle, 'learned')
                    else:
                        out = decode_shares(coarse, used, m, labels, ignore_index)
                    out = F.interpolate(out, gt.shape, mode='bilinear', align_corners=False)
                    pred = out.argmax(1)[0].cpu().numpy()
                    cm = confusion_matrix(pred, gt, num_classes, ignore_index)
                    key = f'L{n}/{kind}/{m}'
                    totals[key] = totals.get(key, 0) + cm
    return totals


def iou_from_confusion(matrix: np.ndarray) -> np.ndarray:
    """(K,) IoU of each class from a (K, K) confusion matrix (NaN for a class that is in
    neither the ground truth nor the prediction)."""
    tp = np.diag(matrix).astype(np.float64)
    union = matrix.sum(0) + matrix.sum(1) - tp
    return np.divide(tp, union, out=np.full(tp.shape, np.nan), where=union > 0)
