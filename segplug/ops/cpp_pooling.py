"""Class Probability Preserving (CPP) pooling of label maps (SeeThroughNet supplement, Alg. 1).

Down-sampling a label map by nearest neighbour keeps one pixel of each s x s cell and drops
what the others say: thin and far objects vanish at 1/8 and 1/16. CPP pooling instead counts
the classes inside each cell and returns their frequencies, a soft ground truth at the
resolution of a head's output. The same op gives the "distribution over classes in each
patch" on which the UOI paper trains its coarse network (UOI paper, Sec. 3.1).

Counting is done with one integer ``bincount`` per image: no float one-hot at full
resolution (which for a Cityscapes batch is 8 x 19 x 1024 x 2048 floats, 1.3 GB).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['CPPPooled', 'cpp_pool', 'cpp_output_size', 'infer_cpp_scale', 'nearest_downsample']

_NORMALIZE = ('valid', 'cell')


class CPPPooled(NamedTuple):
    """Result of :func:`cpp_pool`.

    Attributes:
        probs: (B, C, h, w) float32 class frequencies of each cell (see ``normalize``).
        ignore_ratio: (B, h, w) float32 share of the cell's in-image pixels that carry the
            ignore index (1 for a cell that is all ignore).
        valid: (B, h, w) bool, False where ``ignore_ratio > max_ignore_ratio`` or the cell has
            no labelled pixel at all: losses skip these cells.
    """

    probs: Tensor
    ignore_ratio: Tensor
    valid: Tensor


def cpp_output_size(height: int, width: int, scale: int) -> tuple[int, int]:
    """Output size of CPP pooling: ``ceil(H / s) x ceil(W / s)``.

    Ceil, not floor, because that is the size a stride-s network produces for an input that
    is not a multiple of s (a stride-2 conv with padding 1 maps H to ceil(H / 2)), so the
    pooled ground truth lines up with the head's output cell by cell.
    """
    return -(-height // scale), -(-width // scale)


def infer_cpp_scale(label_size: tuple[int, int], pred_size: tuple[int, int]) -> int:
    """The integer s with ``ceil(H / s), ceil(W / s) == (h, w)``; ValueError if there is none.

    Several s can fit a ragged size (13 x 17 -> 2 x 3 fits s = 7 and s = 8). Network strides
    are powers of two, so a fitting power of two is preferred, else the smallest fitting s;
    pass the scale explicitly for anything else.
    """
    (hh, ww), (h, w) = label_size, pred_size
    if h < 1 or w < 1 or h > hh or w > ww:
        raise ValueError(
            f'prediction size {pred_size} cannot be a CPP pooling of a label '
            f'map of size {label_size}'
        )
    fits = []
    for s in range(max(1, hh // h), hh + 1):
        if -(-hh // s) < h:
            break
        if cpp_output_size(hh, ww, s) == (h, w):
            fits.append(s)
    if not fits:
        raise ValueError(
            f'no integer scale s maps labels of size {label_size} to a '
            f'prediction of size {pred_size} (ceil(H/s), ceil(W/s)); pass scale= '
            'explicitly'
        )
    powers = [s for s in fits if s & (s - 1) == 0]
    return powers[0] if powers else fits[0]


def cpp_pool(
    labels: Tensor,
    num_classes: int,
    scale: int,
    ignore_index: int | None = 255,
    normalize: str = 'valid',
    max_ignore_ratio: float = 0.5,
) -> CPPPooled:
    """CPP pooling (SeeThroughNet supplement, Algorithm 1): class frequencies per s x s cell.

    Cell (l, m) covers rows ``s*l <= i < s*(l+1)`` and columns ``s*m <= j < s*(m+1)``. At a
    ragged border (H or W not a multiple of s) the last row/column of cells covers fewer
    pixels and is normalised by the pixels it actually covers, never by s^2, so every cell's
    frequencies are proper frequencies.

    Args:
        labels: (B, H, W) or (H, W) integer class ids in ``[0, num_classes)`` or
            ``ignore_index``.
        num_classes: C.
        scale: s >= 1, the down-sampling factor.
        ignore_index: label of unlabelled pixels (None: there are none).
        normalize: ``'valid'`` divides the counts by the number of labelled pixels of the
            cell, so ``probs`` sums to 1 over classes in every cell that has one (the target
            a KL or cross-entropy needs). ``'cell'`` divides by the in-image pixels of the
            cell (s^2 inside the image, as in Algorithm 1), so ``probs`` sums to
            ``1 - ignore_ratio``: the ignore share is the missing mass.
        max_ignore_ratio: cells whose ignore share exceeds it are marked invalid ("mostly
            ignore"); cells with no labelled pixel are always invalid.

    Returns:
        :class:`CPPPooled` with ``probs`` (B, C, ceil(H/s), ceil(W/s)) float32 on the device
        of ``labels``, ``ignore_ratio`` and ``valid`` (B, ceil(H/s), ceil(W/s)). A (H, W)
        input gives outputs without the batch dimension.
    """
    squeeze = labels.dim() == 2
    if squeeze:
        labels = labels[None]
    if labels.dim() != 3:
        raise ValueError(f'labels must be (B, H, W) or (H, W), got shape {tuple(labels.shape)}')
    if labels.dtype.is_floating_point or labels.dtype == torch.bool or labels.is_complex():
        raise ValueError(f'labels must be an integer tensor, got dtype {labels.dtype}')
    if not isinstance(scale, int) or isinstance(scale, bool) or scale < 1:
        raise ValueError(f'scale must be an integer >= 1, got {scale!r}')
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f'num_classes must be an integer >= 1, got {num_classes!r}')
    if normalize not in _NORMALIZE:
        raise ValueError(f'normalize must be one of {_NORMALIZE}, got {normalize!r}')
    if not 0.0 <= max_ignore_ratio <= 1.0:
        raise ValueError(f'max_ignore_ratio must be in [0, 1], got {max_ignore_ratio}')
    b, hh, ww = labels.shape
    if hh == 0 or ww == 0:
        raise ValueError(f'labels must not be empty, got shape {tuple(labels.shape)}')
    h, w = cpp_output_size(hh, ww, scale)
    c = num_classes
    device = labels.device

    # Class index of each pixel, with the ignore index mapped to an extra bucket C: one
    # bincount then counts the classes and the ignore pixels of every cell together.
    is_ignore = labels == ignore_index if ignore_index is not None else None
    lab_range = labels if is_ignore is None else labels.masked_fill(is_ignore, 0)
    lo, hi = int(lab_range.min()), int(lab_range.max())
    if lo < 0 or hi >= c:
        bad = lo if lo < 0 else hi
        raise ValueError(
            f'label value {bad} is out of range for num_classes={c} (ignore_index={ignore_index})'
        )

    # Cell id of each pixel: row part and column part broadcast, (H, W) int64, shared by
    # the whole batch. Images are counted one at a time to keep the int64 temporaries at
    # the size of one label map.
    rows = torch.arange(hh, device=device) // scale * w
    cols = torch.arange(ww, device=device) // scale
    cell = rows[:, None] + cols[None, :]
    counts = torch.empty(b, c + 1, h * w, dtype=torch.float32, device=device)
    for i in range(b):
        idx = labels[i].to(torch.int64, copy=True)  # a copy: modified in place below
        if is_ignore is not None:
            idx.masked_fill_(is_ignore[i], c)
        idx.mul_(h * w).add_(cell)
        counts[i] = (
            torch.bincount(idx.view(-1), minlength=(c + 1) * h * w).view(c + 1, h * w).float()
        )
    counts = counts.view(b, c + 1, h, w)

    # Pixels each cell covers inside the image (s*s except at a ragged border).
    cell_h = (hh - torch.arange(h, device=device) * scale).clamp(max=scale)
    cell_w = (ww - torch.arange(w, device=device) * scale).clamp(max=scale)
    area = (cell_h[:, None] * cell_w[None, :]).float()  # (h, w)
    ignored = counts[:, c]
    labelled = area - ignored
    ignore_ratio = ignored / area
    valid = (labelled > 0) & (ignore_ratio <= max_ignore_ratio)
    denom = labelled.clamp(min=1.0) if normalize == 'valid' else area.expand_as(labelled)
    probs = counts[:, :c] / denom[:, None]
    if squeeze:
        return CPPPooled(probs[0], ignore_ratio[0], valid[0])
    return CPPPooled(probs, ignore_ratio, valid)


def nearest_downsample(labels: Tensor, size: tuple[int, int], mode: str = 'nearest') -> Tensor:
    """Labels down-sampled by nearest neighbour: one pixel per output cell, what CPP replaces.

    Output pixel (l, m) takes input pixel (floor(l H / h), floor(m W / w)) for ``'nearest'``
    (``F.interpolate``'s default: the top-left pixel of an s x s cell), or
    (floor((l + 1/2) H / h), floor((m + 1/2) W / w)) for ``'nearest-exact'`` (its centre).
    Indices are computed in integers, so no class id is ever interpolated or rounded.

    Args:
        labels: (B, H, W) integer class ids (the ignore index passes through unchanged).
        size: (h, w) output size, at most (H, W).
        mode: ``'nearest'`` or ``'nearest-exact'``.
    Returns:
        (B, h, w) labels of the same dtype.
    """
    if labels.dim() != 3:
        raise ValueError(f'labels must be (B, H, W), got shape {tuple(labels.shape)}')
    if mode not in ('nearest', 'nearest-exact'):
        raise ValueError(f"mode must be 'nearest' or 'nearest-exact', got {mode!r}")
    (hh, ww), (h, w) = labels.shape[1:], tuple(size)
    if not (1 <= h <= hh and 1 <= w <= ww):
        raise ValueError(f'cannot down-sample labels of size {(hh, ww)} to {tuple(size)}')
    rows, cols = torch.arange(h, device=labels.device), torch.arange(w, device=labels.device)
    if mode == 'nearest':
        rows, cols = rows * hh // h, cols * ww // w
    else:
        rows, cols = (2 * rows + 1) * hh // (2 * h), (2 * cols + 1) * ww // (2 * w)
    return labels[:, rows][:, :, cols]


def soft_kl_divergence(logits: Tensor, target: Tensor) -> Tensor:
    """KL(target || softmax(logits)) per pixel or cell, summed over classes: CPP-KL's
    divergence between the CPP-pooled class frequencies and the prediction (Sec. 3).

    ``sum_k t_k (log t_k - log_softmax(z)_k)`` with ``0 log 0 = 0`` (``xlogy``), computed
    from log-probabilities: ``F.kl_div`` wants log-probabilities as its input, and
    MMSegmentation's ``KLDivLoss`` hands it probabilities.

    Args:
        logits: (B, C, h, w) scores z.
        target: (B, C, h, w) probabilities t (each cell sums to 1).
    Returns:
        (B, h, w) KL divergence, >= 0.
    """
    if logits.shape != target.shape:
        raise ValueError(
            f'logits {tuple(logits.shape)} and target {tuple(target.shape)} '
            'must have the same shape'
        )
    log_q = F.log_softmax(logits, dim=1)
    target = target.to(log_q.dtype)
    return (torch.xlogy(target, target) - target * log_q).sum(dim=1)
