"""Expected intersection / union of a softmax prediction and a (soft) ground truth, the UOI
and IOU losses built on them (UOI paper supplement, Eq. 21-29, 47, 60), and the per-cell KL
divergence to a soft ground truth (the CPP-KL loss).

Notation of the paper: p_hat[i, k] = softmax(z)[i, k] (Eq. 20), p[i, k] = P(Y_i = k) (Eq. 19),
sums over all pixels i of the batch:

    E[I_k] = sum_i p_hat[i, k] p[i, k]                                       (Eq. 24)
    E[U_k] = sum_i (p_hat[i, k] + p[i, k]) - E[I_k]                          (Eq. 29)
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

__all__ = ['ExpectedIU', 'expected_intersection_union', 'uoi_from_iu', 'iou_from_iu']

_CLASS_RULES = ('present', 'all')


class ExpectedIU(NamedTuple):
    """Per-class sums over the batch, each (C,).

    Attributes:
        intersection: E[I_k] (Eq. 24).
        union: E[U_k] (Eq. 29).
        gt_mass: sum_i p[i, k], the expected number of ground-truth pixels of class k.
    """

    intersection: Tensor
    union: Tensor
    gt_mass: Tensor


def expected_intersection_union(
    probs: Tensor, target: Tensor, valid: Tensor | None = None, ignore_index: int | None = 255
) -> ExpectedIU:
    """E[I_k], E[U_k] summed over every valid pixel of the batch (Eq. 24, 29).

    Args:
        probs: (B, C, H, W) predicted class probabilities p_hat (softmax of the logits).
        target: either (B, H, W) integer labels (p is then the one-hot of the label; pixels
            equal to ``ignore_index`` are left out) or (B, C, H, W) soft ground truth p.
        valid: optional (B, H, W) bool, pixels to use (and with hard labels, on top of the
            ignore index).
        ignore_index: label of unlabelled pixels for hard ``target``.

    Returns:
        :class:`ExpectedIU`, each (C,), in the dtype of ``probs``.
    """
    if probs.dim() != 4:
        raise ValueError(f'probs must be (B, C, H, W), got shape {tuple(probs.shape)}')
    b, c, h, w = probs.shape
    if target.dim() == 3:
        if target.shape != (b, h, w):
            raise ValueError(
                f'labels shape {tuple(target.shape)} does not match probs {tuple(probs.shape)}'
            )
        keep = torch.ones_like(target, dtype=torch.bool)
        if ignore_index is not None:
            keep &= target != ignore_index
        if valid is not None:
            keep &= valid
        lab = target.masked_fill(~keep, 0).long()
        out_of_range = keep & ((lab < 0) | (lab >= c))
        if out_of_range.any():  # one host sync per call; the message only on error
            bad = int(lab[out_of_range][0])
            raise ValueError(
                f'label value {bad} is out of range for {c} classes (ignore_index={ignore_index})'
            )
        # With one-hot p, E[I_k] is the predicted probability of the true class summed over
        # the pixels labelled k: a gather and a weighted bincount instead of a (B, C, H, W)
        # one-hot.
        keep_f = keep.to(probs.dtype)
        p_true = probs.gather(1, lab[:, None]).squeeze(1) * keep_f
        inter = torch.zeros(c, dtype=probs.dtype, device=probs.device).index_add(
            0, lab.view(-1), p_true.reshape(-1)
        )
        gt_mass = torch.bincount(lab.view(-1), weights=keep_f.reshape(-1).double(), minlength=c).to(
            probs.dtype
        )
        # a (C, HW) x (HW,) product per image: no masked (B, C, H, W) copy (half the cost)
        pred_mass = torch.einsum('bchw,bhw->c', probs, keep_f)
    elif target.dim() == 4:
        if target.shape != probs.shape:
            raise ValueError(
                f'soft target shape {tuple(target.shape)} does not match probs {tuple(probs.shape)}'
            )
        if valid is not None:
            keep_f = valid.to(probs.dtype)[:, None]
            probs, target = probs * keep_f, target * keep_f
        inter = (probs * target).sum(dim=(0, 2, 3))
        gt_mass = target.sum(dim=(0, 2, 3))
        pred_mass = probs.sum(dim=(0, 2, 3))
    else:
        raise ValueError(
            f'target must be (B, H, W) labels or (B, C, H, W) probabilities, got '
            f'shape {tuple(target.shape)}'
        )
    return ExpectedIU(inter, pred_mass + gt_mass - inter, gt_mass)


def _class_mask(eiu: ExpectedIU, classes: str) -> Tensor:
    if classes not in _CLASS_RULES:
        raise ValueError(f'classes must be one of {_CLASS_RULES}, got {classes!r}')
    if classes == 'all':
        return torch.ones_like(eiu.gt_mass, dtype=torch.bool)
    return eiu.gt_mass > 0


def uoi_from_iu(eiu: ExpectedIU, smooth: float = 1.0, classes: str = 'present') -> Tensor:
    """UOI = mean over classes of (E[U_k] + smooth) / (E[I_k] + smooth) (Eq. 6, 60).

    The supplement's Eq. 60 sums over classes, the paper's Eq. 6 averages; the mean is used
    so the loss does not scale with the number of classes (the gradient is Eq. 67 / K).

    Rule for absent classes: E[I_k] = 0 exactly when no ground-truth pixel has class k, and
    U/I is then infinite. With ``classes='present'`` (default) the mean runs over the classes
    with ground-truth mass in the batch; classes only predicted are still pushed down through
    the softmax (raising a present class lowers all others). ``classes='all'`` keeps every
    class, which needs ``smooth > 0``: an absent class then costs ``1 + E[U_k] / smooth``.
    ``smooth`` also bounds the loss of a present class that the prediction misses entirely.
    With no class selected (an all-ignore batch) the result is 0, still in the graph.

    Returns:
        scalar tensor.
    """
    mask = _class_mask(eiu, classes)
    if classes == 'all' and smooth <= 0:
        raise ValueError(
            f"classes='all' needs smooth > 0 (absent classes have E[I] = 0), got smooth={smooth}"
        )
    if not mask.any():
        return eiu.union.sum() * 0
    # Select before dividing: an unselected 0/0 would still send 0 * inf = nan backwards.
    return ((eiu.union[mask] + smooth) / (eiu.intersection[mask] + smooth)).mean()


def iou_from_iu(eiu: ExpectedIU, smooth: float = 1.0, classes: str = 'present') -> Tensor:
    """Soft IOU = mean over classes of (E[I_k] + smooth) / (E[U_k] + smooth) (Eq. 2, 47).

    Same class rule as :func:`uoi_from_iu`. (Here an absent class is harmless, I/U = 0 or
    smooth/smooth, but the same rule keeps IOU and UOI comparable.) Returns a scalar; the IOU
    loss is ``1 - iou``.
    """
    mask = _class_mask(eiu, classes)
    if smooth < 0:
        raise ValueError(f'smooth must be >= 0, got {smooth}')
    if not mask.any():
        return eiu.union.sum() * 0
    union = (eiu.union[mask] + smooth).clamp(min=1e-12)
    return ((eiu.intersection[mask] + smooth) / union).mean()
