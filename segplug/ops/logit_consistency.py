"""Logit consistency (joint superpixel paper, Eq. 13-14): every pixel of a superpixel takes
the mean logit of the superpixel's pixels, so all of them get one label.

The paper builds an (N_s, N_p) sparse indicator matrix and multiplies (``torch.sparse``,
Eq. 14). The same encoding and decoding are a scatter-add of the logits into (N_l, N_s)
sums and a gather back, with the superpixel ids as indices: no matrix is built, memory is
O(N_l N_p) for the gathered output plus O(N_l N_s) for the sums, and the whole batch is one
call (ids are offset per image). Autograd of scatter-add is a gather and vice versa, so the
backward costs the same.
"""

from __future__ import annotations

import torch
from torch import Tensor


def logit_consistency(
    logits: Tensor,
    superpixels: Tensor,
    valid: Tensor | None = None,
    num_superpixels: int | None = None,
) -> Tensor:
    """Replace each pixel's logits by the mean over its superpixel's valid pixels (Eq. 13).

    Args:
        logits: (B, N_l, H, W) float logits.
        superpixels: (B, H, W) integer superpixel ids in ``[0, num_superpixels)``, per image.
        valid: optional (B, H, W) bool, pixels that enter the means (e.g. not ignore_index).
            Left-out pixels still receive their superpixel's mean; a superpixel without any
            valid pixel takes the mean of all its pixels (so it is consistent too).
        num_superpixels: N_s, ids' upper bound (default: max id + 1, a device sync).
    Returns:
        (B, N_l, H, W) consistent logits, differentiable w.r.t. ``logits``.
    """
    if logits.dim() != 4:
        raise ValueError(f'logits must be (B, N_l, H, W), got shape {tuple(logits.shape)}')
    b, c, h, w = logits.shape
    if superpixels.shape != (b, h, w):
        raise ValueError(
            f'superpixels shape {tuple(superpixels.shape)} does not match '
            f'logits {tuple(logits.shape)}: expected {(b, h, w)}'
        )
    if superpixels.dtype.is_floating_point or superpixels.dtype == torch.bool:
        raise ValueError(f'superpixels must be integer ids, got dtype {superpixels.dtype}')
    if valid is not None and valid.shape != (b, h, w):
        raise ValueError(f'valid shape {tuple(valid.shape)} does not match {(b, h, w)}')
    if num_superpixels is None:
        num_superpixels = int(superpixels.max()) + 1 if superpixels.numel() else 1
    ids = superpixels.reshape(b, 1, h * w).long()
    flat = logits.reshape(b, c, h * w)
    n = num_superpixels
    # left-out pixels are summed into bins N_s..2 N_s - 1, so that a superpixel without valid
    # pixels can fall back to the mean of all its pixels: one scatter, and no per-pixel
    # torch.where (which would cost two more N_l x N_p tensors in the backward)
    scatter_ids = ids if valid is None else ids + n * (~valid).reshape(b, 1, h * w)
    bins = n if valid is None else 2 * n
    # expand() is a view: the index costs N_p, not N_l N_p
    sums = flat.new_zeros(b, c, bins).scatter_add_(2, scatter_ids.expand(b, c, h * w), flat)
    counts = flat.new_zeros(b, 1, bins).scatter_add_(
        2, scatter_ids, torch.ones_like(scatter_ids, dtype=flat.dtype)
    )
    if valid is not None:
        has_valid = counts[..., :n] > 0
        sums = torch.where(has_valid, sums[..., :n], sums[..., :n] + sums[..., n:])
        counts = torch.where(has_valid, counts[..., :n], counts[..., n:])
    means = sums / counts.clamp(min=1)
    out = means.gather(2, ids.expand(b, c, h * w))
    return out.view(b, c, h, w)


def logit_consistency_sparse(
    logits: Tensor, superpixels: Tensor, num_superpixels: int | None = None
) -> Tensor:
    """The paper's formulation (Eq. 14) with ``torch.sparse``: a (B N_s, B N_p) 0/1 matrix M,
    encoding ``M L / rowsum(M)``, decoding ``M^T``. For the benchmark; same result as
    ``logit_consistency`` without ``valid``.

    Args:
        logits: (B, N_l, H, W); superpixels: (B, H, W) ids per image.
    Returns:
        (B, N_l, H, W).
    """
    b, c, h, w = logits.shape
    if num_superpixels is None:
        num_superpixels = int(superpixels.max()) + 1
    n_p = b * h * w
    rows = (
        superpixels.reshape(b, -1).long()
        + torch.arange(b, device=logits.device).view(b, 1) * num_superpixels
    ).reshape(-1)
    cols = torch.arange(n_p, device=logits.device)
    m = torch.sparse_coo_tensor(
        torch.stack([rows, cols]),
        torch.ones(n_p, dtype=logits.dtype, device=logits.device),
        (b * num_superpixels, n_p),
    ).coalesce()
    pixels = logits.permute(0, 2, 3, 1).reshape(n_p, c)  # (B N_p, N_l)
    counts = torch.bincount(rows, minlength=b * num_superpixels).clamp(min=1)
    means = torch.sparse.mm(m, pixels) / counts.unsqueeze(1).to(logits.dtype)
    out = torch.sparse.mm(m.t(), means)  # (B N_p, N_l)
    return out.view(b, h, w, c).permute(0, 3, 1, 2)
