"""Guided image filter (He, Sun, Tang, TPAMI 2013), vectorised over the filtered channels.

Semantic Soft Segmentation filters every one of its 128 feature channels with the guided
filter, guided by the image, before the per-image PCA (supplement, Sec. 1.1 and Fig. 2).
``cv2.ximgproc.guidedFilter`` would do it, but it lives in opencv-contrib, and installing
contrib beside the pinned opencv-python-headless puts a second ``cv2`` over the first; so the
filter is written here from box filters (running sums), following He et al.'s
reference: windows are clipped at the image border and every mean divides by the number of
pixels actually in the window.
"""

from __future__ import annotations

import torch
from torch import Tensor


def _window_sum(x: Tensor, radius: int, dim: int) -> Tensor:
    """Sums over [i - r, i + r] along ``dim``, clipped at the ends, from one cumulative sum.

    The cumulative sum is extended by r + 1 zeros in front and r copies of its last value
    behind, so every window sum is a difference of two shifted slices (no gather).
    """
    n = x.shape[dim]
    c = x.cumsum(dim)
    front = torch.zeros_like(c.narrow(dim, 0, 1)).expand(
        *[radius + 1 if i == dim % x.dim() else s for i, s in enumerate(c.shape)]
    )
    back = c.narrow(dim, n - 1, 1).expand(
        *[radius if i == dim % x.dim() else s for i, s in enumerate(c.shape)]
    )
    ext = torch.cat([front, c, back], dim)
    return ext.narrow(dim, 2 * radius + 1, n) - ext.narrow(dim, 0, n)


def box_mean(x: Tensor, radius: int) -> Tensor:
    """Mean over the (2r+1)^2 window around each pixel, clipped at the border.

    Separable: window sums along H, then along W, divided by the number of in-image pixels.

    Args:
        x: (..., H, W).
    Returns:
        (..., H, W) window means.
    """
    h, w = x.shape[-2:]
    total = _window_sum(_window_sum(x, radius, -2), radius, -1)
    ones = torch.ones(1, dtype=x.dtype, device=x.device)
    count_y = _window_sum(ones.expand(h), radius, 0)
    count_x = _window_sum(ones.expand(w), radius, 0)
    return total / (count_y[:, None] * count_x[None, :])


def _inverse3(m: Tensor) -> Tensor:
    """Inverse of a field of 3x3 matrices (3, 3, H, W) by cofactors / determinant."""
    cof = torch.stack(
        [
            torch.stack(
                [
                    m[(i + 1) % 3, (j + 1) % 3] * m[(i + 2) % 3, (j + 2) % 3]
                    - m[(i + 1) % 3, (j + 2) % 3] * m[(i + 2) % 3, (j + 1) % 3]
                    for j in range(3)
                ]
            )
            for i in range(3)
        ]
    )  # cof[i, j] = C_ij
    det = (m[0] * cof[0]).sum(0)
    return cof.transpose(0, 1) / det  # adj = C^T


def guided_filter(guide: Tensor, src: Tensor, radius: int, eps: float) -> Tensor:
    """Filter every channel of ``src`` with the guided filter guided by ``guide``.

    Per window k the output is linear in the guide, ``q = a_k^T I + b_k``, with (a_k, b_k)
    minimising ``sum_i (a_k^T I_i + b_k - p_i)^2 + eps |a_k|^2`` (He et al., Eq. 2-5, and
    Eq. 19-21 for a colour guide); the coefficients of all windows covering a pixel are
    averaged.

    Args:
        guide: (G, H, W) guidance image, G = 1 (grey) or 3 (colour), e.g. in [0, 1].
        src: (C, H, W) the channels to filter (all at once).
        radius: window radius r (window (2r+1)^2), >= 0.
        eps: regularisation, > 0 (in squared guide units: edges with variance << eps are
            smoothed over).
    Returns:
        (C, H, W) filtered channels, in ``src``'s dtype.
    """
    if guide.dim() != 3 or src.dim() != 3 or guide.shape[1:] != src.shape[1:]:
        raise ValueError(
            f'guide (G, H, W) and src (C, H, W) must share H, W; got '
            f'{tuple(guide.shape)} and {tuple(src.shape)}'
        )
    if radius < 0:
        raise ValueError(f'radius must be >= 0, got {radius}')
    if eps <= 0:
        raise ValueError(f'eps must be > 0, got {eps}')
    if src.shape[0] > 32:  # bounded memory: the (C, G, H, W) moments of 32 channels at a time
        return torch.cat([guided_filter(guide, s, radius, eps) for s in src.split(32)])
    dtype = src.dtype
    # float64 for the moments: E[I p] - E[I] E[p] cancels badly in float32
    guide, src = guide.double(), src.double()
    g = guide.shape[0]
    mean_i = box_mean(guide, radius)  # (G, H, W)
    mean_p = box_mean(src, radius)  # (C, H, W)
    corr_ip = box_mean(guide[None] * src[:, None], radius)  # (C, G, H, W)
    cov_ip = corr_ip - mean_i[None] * mean_p[:, None]
    if g == 1:
        var_i = box_mean(guide * guide, radius) - mean_i * mean_i
        a = cov_ip[:, 0] / (var_i + eps)  # (C, H, W)
        b = mean_p - a * mean_i
        out = box_mean(a, radius) * guide + box_mean(b, radius)
        return out.to(dtype)
    if g != 3:
        raise ValueError(f'guide must have 1 or 3 channels, got {g}')
    corr_ii = box_mean(guide[:, None] * guide[None, :], radius)  # (3, 3, H, W)
    sigma = corr_ii - mean_i[:, None] * mean_i[None, :]
    sigma = sigma + eps * torch.eye(3, dtype=sigma.dtype, device=sigma.device)[:, :, None, None]
    # (Sigma + eps U)^-1 by its adjugate, all pixels at once: cheaper on CPU than a
    # batched LAPACK solve of H x W tiny systems
    inv = _inverse3(sigma)  # (3, 3, H, W)
    a = torch.einsum('ijhw,cjhw->cihw', inv, cov_ip)  # (C, 3, H, W)
    b = mean_p - (a * mean_i[None]).sum(1)
    out = (box_mean(a, radius) * guide[None]).sum(1) + box_mean(b, radius)
    return out.to(dtype)
