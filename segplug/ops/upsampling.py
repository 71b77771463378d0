"""Content-aware upsampling as plain tensor functions: DySample's point sampling and
CARAFE's kernel reassembly. The modules that predict offsets / kernels are in
``segplug.models.upsamplers``.

Shape shorthand: a (B, C, h, w) input is upsampled to (B, C, H, W) with (h, w) the cell grid
of the output: output pixel (y, x) lies in cell (y // s, x // s) for the scale s, the
convention of HC's cluster decoding (``segplug.ops.soft_clustering``), so odd output sizes
(e.g. 45 from 23 at s = 2) crop the last half cell.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .soft_clustering import from_cells, reassemble_cells, to_cells


def check_upsample_size(
    coarse: tuple[int, int], size: tuple[int, int], scale: int, owner: str
) -> None:
    """ValueError naming ``owner`` unless ``size`` is (s h, s w) or up to s - 1 less."""
    if not all(s_out <= scale * c < s_out + scale for c, s_out in zip(coarse, size)):
        raise ValueError(
            f'{owner}: cannot upsample {tuple(coarse)} by {scale} to {tuple(size)}; '
            f'expected each output side in (s*n - s, s*n]'
        )


def sample_base_grid(
    coarse: tuple[int, int],
    size: tuple[int, int],
    device: torch.device | None = None,
    dtype: torch.dtype | None = None,
) -> Tensor:
    """(H, W, 2) input-pixel coordinates (x, y) that bilinear ``F.interpolate`` (align_corners
    False) reads for each output pixel: (i + 0.5) h / H - 0.5."""
    ys = (torch.arange(size[0], device=device, dtype=dtype) + 0.5) * coarse[0] / size[0] - 0.5
    xs = (torch.arange(size[1], device=device, dtype=dtype) + 0.5) * coarse[1] / size[1] - 0.5
    return torch.stack(torch.meshgrid(xs, ys, indexing='xy'), dim=-1)


def point_sample_upsample(x: Tensor, offset: Tensor, groups: int = 1) -> Tensor:
    """DySample's upsampling by point sampling (Liu et al., ICCV 2023, Eq. 1-3): each output
    pixel bilinearly samples the input at its base position plus a predicted offset.

    Args:
        x: (B, C, h, w) input; C divisible by ``groups``.
        offset: (B, 2 G, H, W) offsets in input pixels; channels 2g and 2g + 1 are the x
            (column) and y (row) offsets of channel group g. Zero offsets give exactly
            bilinear ``F.interpolate(x, (H, W), align_corners=False)``.
        groups: G, channel groups sharing one sampling position.
    Returns:
        (B, C, H, W); positions outside the input read its border (``padding_mode='border'``,
        as bilinear interpolation clamps).
    """
    b, c, h, w = x.shape
    if c % groups or offset.shape[1] != 2 * groups:
        raise ValueError(
            f'point_sample_upsample: {c} channels and offsets {tuple(offset.shape)} '
            f'do not fit groups={groups} (need C % G == 0 and 2 G offset channels)'
        )
    size = offset.shape[-2:]
    # positions in float32 at least: float16 resolves 2 px at 2048 px
    dt = torch.promote_types(x.dtype, torch.float32)
    pos = sample_base_grid((h, w), size, x.device, dt)  # (H, W, 2)
    pos = pos + offset.to(dt).view(b, groups, 2, *size).permute(0, 1, 3, 4, 2)  # (B,G,H,W,2)
    # grid_sample's normalised coordinates for align_corners=False: -1 / 1 = outer pixel edges
    scale = torch.tensor([2.0 / w, 2.0 / h], device=x.device, dtype=dt)
    grid = ((pos + 0.5) * scale - 1).to(x.dtype)  # DySample runs it with autocast off
    out = F.grid_sample(
        x.reshape(b * groups, c // groups, h, w),
        grid.reshape(b * groups, *size, 2),
        mode='bilinear',
        padding_mode='border',
        align_corners=False,
    )
    return out.view(b, c, *size)


def reassemble(x: Tensor, kernels: Tensor, kernel_size: int, scale: int) -> Tensor:
    """CARAFE's content-aware reassembly (Wang et al., ICCV 2019, Eq. 2): each output pixel is
    a weighted sum of the k x k input neighbourhood of its cell.

    Args:
        x: (B, C, h, w) input.
        kernels: (B, k^2, H, W) per-output-pixel kernels (normalised by the caller), tap n at
            offset (n // k - k // 2, n % k - k // 2); (h, w) = ceil(H / s), ceil(W / s).
        kernel_size: k (odd).
        scale: s.
    Returns:
        (B, C, H, W); taps outside the input read zero (CARAFE's zero padding).
    """
    k, (hh, ww) = kernel_size, kernels.shape[-2:]
    h, w = x.shape[-2:]
    if kernels.shape[1] != k * k or k % 2 == 0:
        raise ValueError(
            f'reassemble: kernels {tuple(kernels.shape)} need k^2 channels for an '
            f'odd kernel_size, got kernel_size={k}'
        )
    check_upsample_size((h, w), (hh, ww), scale, 'reassemble')
    r = k // 2
    cells = to_cells(kernels, (h, w), scale)  # (B, k^2, h, s, w, s)
    out = reassemble_cells(F.pad(x, (r, r, r, r)), cells, k)
    return from_cells(out, (hh, ww))
