"""Pixel metric learning of Semantic Soft Segmentation (supplement, Sec. 1, Eq. 1 and 2).

Pure tensor functions: pairwise L2 distances in matrix form, the Eq. 1 loss over a set of
sampled pixel features, instance maps from connected components of a class map, and the
paper's sampling of ``P_inst`` instances x ``P_pix`` pixels, repeated ``R`` times per image.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import ndimage
from torch import Tensor

_LOG2 = math.log(2.0)
REDUCTIONS = ('pixels', 'pairs', 'sum')


def pairwise_distances(feats: Tensor, eps: float = 1e-12) -> Tensor:
    """L2 distances between all rows of ``feats`` in matrix form (supplement, below Eq. 1).

    ``D^2 = |f_p|^2 1^T + 1 |f_q|^2^T - 2 F F^T``: one matrix product instead of N^2 vector
    differences. Cancellation can make ``D^2`` slightly negative for near-equal rows, so it is
    clamped at ``eps`` before the square root (which also keeps the diagonal finite).

    Args:
        feats: (N, d) sampled pixel features F (Eq. 2).
    Returns:
        (N, N) distances ||f_p - f_q||, symmetric, ~0 on the diagonal.
    """
    sq = feats.pow(2).sum(1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (feats @ feats.t())
    return d2.clamp_min(eps).sqrt()


def pair_terms(dist: Tensor, same: Tensor) -> Tensor:
    """The two terms of Eq. 1 for normalised distances.

    ``log((1 + e^d) / 2)`` for same-label pairs (0 at d = 0, ~d for large d) and
    ``log(1 + e^-d / 2)`` for different-label pairs (log 1.5 at d = 0, -> 0 for large d),
    written with softplus / log1p so that neither overflows for any d >= 0.

    Args:
        dist: (...) distances already divided by the feature dimension d.
        same: (...) bool, l_p == l_q.
    """
    pos = torch.nn.functional.softplus(dist) - _LOG2
    neg = torch.log1p(0.5 * torch.exp(-dist))
    return torch.where(same, pos, neg)


def _normaliser(n: int, reduction: str) -> float:
    if reduction == 'pixels':  # Eq. 1 as printed: sum over ordered pairs / |P|
        return float(n)
    if reduction == 'pairs':  # mean over ordered pairs p != q: independent of |P|
        return float(max(n * (n - 1), 1))
    return 1.0


MAX_LABEL_BLOCKS = 16


def _block_terms(
    fa: Tensor, fb: Tensor, same: bool | Tensor, diagonal: bool, eps: float
) -> tuple[Tensor, Tensor]:
    """Eq. 1 summed over the pairs (p in a, q in b), and ``w = (dL/dt) / (d ||f_p - f_q||)``.

    Both terms through one exponential: with ``c = k e^{-t}`` (k = 1 for same-label pairs,
    1/2 otherwise) the term is ``log1p(c) + s (t - log 2)`` and its derivative ``s - c/(1+c)``
    (s = [l_p = l_q]); ``softplus(t) - log 2`` and ``log1p(e^{-t}/2)`` otherwise cost two
    exponentials and two logarithms per pair. In-place where possible: each (n_a, n_b)
    temporary is a full pass over memory.
    """
    d = fa.shape[1]
    raw = torch.mm(fa, fb.t()).mul_(-2.0)
    raw.add_(fa.pow(2).sum(1)[:, None]).add_(fb.pow(2).sum(1)[None, :])
    raw.clamp_(min=eps).sqrt_()
    if diagonal:
        raw.diagonal().zero_()  # p == q: exactly 0, so its term is exactly 0
    t = raw / d
    c = torch.exp(-t)
    if isinstance(same, Tensor):
        c.mul_(torch.where(same, 1.0, 0.5))
        s = same.to(t.dtype)
        total = torch.log1p(c).sum() + (s * (t - _LOG2)).sum()
        g = s - c / (1.0 + c)
    else:
        if not same:
            c.mul_(0.5)
        total = torch.log1p(c).sum()
        if same:
            total = total + (t.sum() - _LOG2 * t.numel())
        g = (1.0 - c / (1.0 + c)) if same else (c / (1.0 + c)).neg_()
    # coincident features (p == q, a pixel drawn twice): the norm's subgradient 0
    w = torch.where(raw > math.sqrt(eps) * 10, g.div_(raw * d), 0.0)
    return total, w


class _PairwiseMetricLoss(torch.autograd.Function):
    """Eq. 1 with a hand-written backward.

    Samples are sorted by label, so the pairs fall into blocks (label a, label b) in which
    l_p = l_q is one constant; only the blocks a <= b are computed (the distance matrix is
    symmetric), each with the one term it needs. Autograd through :func:`pair_terms` would
    keep about six (N, N) intermediates per sampling (~2 GB per image for N = 3 x 1000 and
    R = 10); here one (n_a, n_b) weight block per label pair is kept. With
    ``t = ||f_p - f_q|| / d`` and ``w = (dL/dt) / (d ||f_p - f_q||)``,
    ``dL/df_p = 2 sum_q w_pq (f_p - f_q)``: in matrix form ``2 (diag(W 1) F - W F)``, applied
    block by block (both orders of an off-diagonal block). More than ``MAX_LABEL_BLOCKS``
    labels fall back to one masked (N, N) block.
    """

    @staticmethod
    def forward(ctx, feats: Tensor, labels: Tensor, scale: float, eps: float) -> Tensor:
        order = torch.argsort(labels, stable=True)
        f = feats[order]
        _, counts = torch.unique_consecutive(labels[order], return_counts=True)
        if len(counts) > MAX_LABEL_BLOCKS:
            lab = labels[order]
            total, w = _block_terms(f, f, lab[:, None] == lab[None, :], True, eps)
            blocks = [(0, 0, w)]
            bounds = [(0, len(lab))]
        else:
            # one host copy of the block bounds (not one sync per label)
            ends = torch.cumsum(counts, 0).tolist()
            bounds = list(zip([0, *ends[:-1]], ends))
            total, blocks = feats.new_zeros(()), []
            for a, (sa, ea) in enumerate(bounds):
                for b in range(a, len(bounds)):
                    sb, eb = bounds[b]
                    part, w = _block_terms(f[sa:ea], f[sb:eb], a == b, a == b, eps)
                    total = total + (part if a == b else 2.0 * part)
                    blocks.append((a, b, w))
        ctx.save_for_backward(f, order)
        ctx.blocks, ctx.bounds, ctx.scale = blocks, bounds, scale
        return total / scale

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        f, order = ctx.saved_tensors
        grad_sorted = torch.zeros_like(f)
        for a, b, w in ctx.blocks:
            (sa, ea), (sb, eb) = ctx.bounds[a], ctx.bounds[b]
            fa, fb = f[sa:ea], f[sb:eb]
            grad_sorted[sa:ea] += w.sum(1, keepdim=True) * fa - w @ fb
            if a != b:
                grad_sorted[sb:eb] += w.sum(0)[:, None] * fb - w.t() @ fa
        grad = torch.empty_like(grad_sorted)
        grad[order] = grad_sorted * (2.0 * grad_out / ctx.scale)
        return grad, None, None, None


def metric_learning_loss(
    feats: Tensor, labels: Tensor, reduction: str = 'pixels', eps: float = 1e-12
) -> Tensor:
    """Eq. 1 over one set of sampled pixels P.

    ``L = 1/|P| sum_{p,q in P} [l_p = l_q] log((1 + e^{D_pq}) / 2)
    + [l_p != l_q] log(1 + e^{-D_pq} / 2)`` with ``D_pq = ||f_p - f_q|| / d``.

    Args:
        feats: (N, d) features of the sampled pixels (F of Eq. 2), float.
        labels: (N,) their semantic labels (any integers; only equality is used).
        reduction: ``'pixels'`` divides the sum over all ordered pairs by |P| = N (Eq. 1 as
            printed); ``'pairs'`` averages over the N (N - 1) ordered pairs p != q, so the
            loss does not grow with the number of samples; ``'sum'`` does not divide.
    Returns:
        scalar loss, differentiable w.r.t. ``feats``.
    """
    if feats.dim() != 2 or labels.shape != feats.shape[:1]:
        raise ValueError(
            f'feats must be (N, d) and labels (N,), got {tuple(feats.shape)} '
            f'and {tuple(labels.shape)}'
        )
    if feats.shape[0] == 0:
        raise ValueError('metric_learning_loss needs at least one sampled pixel, got N = 0')
    if reduction not in REDUCTIONS:
        raise ValueError(f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
    return _PairwiseMetricLoss.apply(feats, labels, _normaliser(feats.shape[0], reduction), eps)


def connected_instances(
    labels: np.ndarray | Tensor, ignore_index: int = 255, connectivity: int = 2
) -> np.ndarray:
    """Instances as the connected components of each class of a class map.

    The paper samples instances from COCO-Stuff's instance annotation; datasets that have
    only class maps (CamVid) get one instance per connected region of one class instead.

    Args:
        labels: (H, W) integer class map; ``ignore_index`` marks unlabelled pixels.
        connectivity: 1 (4-neighbours) or 2 (8-neighbours, so thin diagonal structures such
            as poles stay one instance).
    Returns:
        (H, W) int64 instance ids 0..K-1, -1 on ignored pixels.
    """
    labels = labels.cpu().numpy() if isinstance(labels, Tensor) else np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f'labels must be (H, W), got shape {labels.shape}')
    if connectivity not in (1, 2):
        raise ValueError(f'connectivity must be 1 or 2, got {connectivity}')
    structure = ndimage.generate_binary_structure(2, connectivity)
    out = np.full(labels.shape, -1, dtype=np.int64)
    offset = 0
    for c in np.unique(labels):  # a handful of classes per image: one C-level pass each
        if c == ignore_index:
            continue
        comp, k = ndimage.label(labels == c, structure=structure)
        mask = comp > 0
        out[mask] = comp[mask] - 1 + offset
        offset += k
    return out


def sample_instance_pixels(
    instances: Tensor, num_instances: int, num_pixels: int, generator: torch.Generator | None = None
) -> Tensor:
    """Draw ``P_inst`` instances uniformly, then ``P_pix`` pixels inside each (Sec. 1).

    Instances are drawn without replacement; an image with fewer instances than
    ``num_instances`` uses all it has. Pixels are drawn without replacement inside an
    instance that has at least ``num_pixels`` of them and **with replacement** inside a
    smaller one, so every group keeps ``num_pixels`` samples and the groups stay balanced,
    as the paper intends. Ignored pixels (id < 0) are never drawn.

    Args:
        instances: (M,) int64 instance id of every pixel (flattened), -1 = ignore.
        generator: the source of randomness (same seed, same draw).
    Returns:
        (k * num_pixels,) int64 flat pixel indices, instance by instance (k <= P_inst).
    """
    if num_instances < 1:
        raise ValueError(f'num_instances (P_inst) must be >= 1, got {num_instances}')
    if num_pixels < 1:
        raise ValueError(f'num_pixels (P_pix) must be >= 1, got {num_pixels}')
    valid = instances >= 0
    if not bool(valid.any()):
        raise ValueError('no valid pixel to sample (every pixel is ignore_index)')
    # pixels grouped by instance: one sort, then each instance is a contiguous slice
    ids = instances[valid]
    pix = torch.nonzero(valid, as_tuple=True)[0]
    order = torch.argsort(ids, stable=True)
    ids, pix = ids[order], pix[order]
    present, counts = torch.unique_consecutive(ids, return_counts=True)
    starts = torch.cumsum(counts, 0) - counts
    k = min(num_instances, present.numel())
    chosen = torch.randperm(present.numel(), generator=generator)[:k]
    picks = []
    for i in chosen.tolist():  # k = P_inst (3): a loop over instances, not over pixels
        n, s = int(counts[i]), int(starts[i])
        if n >= num_pixels:
            local = torch.randperm(n, generator=generator)[:num_pixels]
        else:
            local = torch.randint(n, (num_pixels,), generator=generator)
        picks.append(pix[s + local])
    return torch.cat(picks)


def sampled_metric_loss(
    feats: Tensor,
    labels: Tensor,
    instances: Tensor | None = None,
    num_instances: int = 3,
    num_pixels: int = 1000,
    repeats: int = 10,
    ignore_index: int = 255,
    reduction: str = 'pixels',
    generator: torch.Generator | None = None,
) -> Tensor:
    """Eq. 1 on one image, sampled ``repeats`` times, averaged (gradients accumulated).

    The paper repeats the sampling 10 times per image and accumulates the gradients before
    one update; summing R losses before one backward accumulates the same gradients. The
    mean is returned (the sum divided by R) so the scale does not depend on R.

    Args:
        feats: (d, H, W) per-pixel features of one image.
        labels: (H, W) semantic labels, ``ignore_index`` = unlabelled (never sampled).
        instances: (H, W) instance ids (< 0 = none); ``None`` = connected components of
            ``labels`` (:func:`connected_instances`).
        generator: seeded generator: the same seed gives the same samples.
    Returns:
        scalar loss.
    """
    if feats.dim() != 3:
        raise ValueError(f'feats must be (d, H, W), got shape {tuple(feats.shape)}')
    if labels.shape != feats.shape[1:]:
        raise ValueError(
            f'labels {tuple(labels.shape)} must match the feature map {tuple(feats.shape[1:])}'
        )
    if repeats < 1:
        raise ValueError(f'repeats (R) must be >= 1, got {repeats}')
    if instances is None:
        instances = torch.from_numpy(connected_instances(labels, ignore_index)).to(labels.device)
    elif instances.shape != labels.shape:
        raise ValueError(
            f'instances {tuple(instances.shape)} must match labels {tuple(labels.shape)}'
        )
    else:
        instances = instances.to(labels.device).long()
        instances = torch.where(labels == ignore_index, torch.full_like(instances, -1), instances)
    flat_inst = instances.reshape(-1).to(torch.int64).cpu()
    flat_feats = feats.reshape(feats.shape[0], -1)
    flat_labels = labels.reshape(-1)
    total = feats.new_zeros(())
    for _ in range(repeats):
        idx = sample_instance_pixels(flat_inst, num_instances, num_pixels, generator)
        idx = idx.to(feats.device)
        total = total + metric_learning_loss(flat_feats[:, idx].t(), flat_labels[idx], reduction)
    return total / repeats
