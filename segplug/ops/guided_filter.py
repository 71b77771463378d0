"""Guided image filter (He, Sun, Tang, TPAMI 2013), vectorised over the filtered channels.

Semantic Soft Segmentation filters every one of its 128 feature channels with the guided
filter, guided by the image, before the per-image PCA (supplement, Sec. 1.1 and Fig. 2).
``cv2.ximgproc.guidedFilter`` would do it, but it lives in opencv-contrib, and installing
contrib beside the pinned opencv-python-headless puts a second ``cv2`` over the first; so the
filter is written here from box filters (summed-area tables), following He et al.'s
reference: windows are clipped at the image border and every mean divides by the number of
pixels actually in the window.
"""
from __future__ import annotations

import torch
from torch import Tensor


def box_mean(x: Tensor, radius: int) -> Tensor:
    """Mean over the (2r+1)^2 window around each pixel, clipped at the border.

    Args:
        x: (..., H, W).
    Returns:
        (..., H, W) window means (sums divided by the in-image window size).
    """
    h, w = x.shape[-2:]
    # summed-area table with a zero row / column in front: window sums in O(1) per pixel
    sat = torch.nn.functional.pad(x.cumsum(-2).cumsum(-1), (1, 0, 1, 0))
    ys, xs = torch.arange(h, device=x.device), torch.arange(w, device=x.device)
    y0, y1 = (ys - radius).clamp(0, h), (ys + radius + 1).clamp(0, h)
    x0, x1 = (xs - radius).clamp(0, w), (xs + radius + 1).clamp(0, w)
    rows1, rows0 = sat[..., y1, :], sat[..., y0, :]
    total = rows1[..., x1] - rows1[..., x0] - rows0[..., x1] + rows0[..., x0]
    count = (y1 - y0)[:, None] * (x1 - x0)[None, :]
    return total / count.to(x.dtype)


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
        raise ValueError(f'guide (G, H, W) and src (C, H, W) must share H, W; got '
                         f'{tuple(guide.shape)} and {tuple(src.shape)}')
    if radius < 0:
        raise ValueError(f'radius must be >= 0, got {radius}')
    if eps <= 0:
        raise ValueError(f'eps must be > 0, got {eps}')
    if src.shape[0] > 32:  # bounded memory: the (C, G, H, W) moments of 32 channels at a time
        return torch.cat([guided_filter(guide, s, radius, eps) for s in src.split(32)])
    dtype = src.dtype
    # float64 for the moments: E[I p] - E[I] E[p] cancels badly in float32
    guide, src = guide.double(), src.double()
    g, (h, w) = guide.shape[0], guide.shape[1:]
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
    sigma = sigma.permute(2, 3, 0, 1) + eps * torch.eye(3, dtype=sigma.dtype)  # (H, W, 3, 3)
    rhs = cov_ip.permute(2, 3, 1, 0)  # (H, W, 3, C): one 3x3 solve per pixel, all channels
    a = torch.linalg.solve(sigma, rhs).permute(3, 2, 0, 1)  # (C, 3, H, W)
    b = mean_p - (a * mean_i[None]).sum(1)
    out = (box_mean(a, radius) * guide[None]).sum(1) + box_mean(b, radius)
    return out.to(dtype)
