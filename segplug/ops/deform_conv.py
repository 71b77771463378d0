"""Modulated deformable convolution (DCNv2) through bilinear sampling and one convolution.

torchvision's ``deform_conv2d`` is the reference implementation (and the CUDA default), but
its CPU kernel is a scalar loop: in HC-ResNet-18 at 256x512 its two stride-2 layers took
36 ms of a 276 ms single-thread backbone pass, ~10x the plain convs they replace. Sampling
the k*k shifted inputs as one ``embedding_bag`` (4 weighted rows of the channels-last input
per sample), laid out as one k x k patch per output pixel, and contracting with the weight
as one convolution of stride k (mkldnn's kernels, any groups) computes the same function
(tested against torchvision, values and gradients, also at integer positions where bilinear
sampling has a kink) at a fraction of that cost on CPU. ONNX export takes four ``gather``
calls instead (``GatherElements``; ``embedding_bag`` exports as a loop).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)


def _corners(py: Tensor, px: Tensor, h: int, w: int) -> tuple[list[Tensor], list[Tensor]]:
    """The 4 bilinear corners of each position: flat indices into an (H, W) map (clamped
    inside it) and weights (zero for a corner outside it).

    The corner is ``floor(p)`` of the position itself, so at an integer position (every
    position of a DCN whose offsets are zero, e.g. at initialisation) the derivative with
    respect to the position is the forward difference ``x[i + 1] - x[i]``, torchvision's
    choice. ``F.grid_sample`` takes normalised coordinates, and their round trip puts an
    integer position a rounding error to either side, so its derivative there flips
    between forward and backward difference with the dtype and the image size.
    """
    y0, x0 = py.detach().floor(), px.detach().floor()
    fy, fx = py - y0, px - x0  # the gradient reaches the positions through these
    y0, x0 = y0.long(), x0.long()
    index, weight = [], []
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            yy, xx = y0 + dy, x0 + dx
            inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            index.append(yy.clamp(0, h - 1) * w + xx.clamp(0, w - 1))
            weight.append(wy * wx * inside)
    return index, weight


def bilinear_gather(x: Tensor, py: Tensor, px: Tensor) -> Tensor:
    """Bilinear samples of ``x`` at pixel positions, zero outside, as torchvision's DCN, by
    four ``gather`` calls (ONNX ``GatherElements``: the export path).

    Args:
        x: (B, C, H, W). py, px: (B, K, H', W') row and column positions in pixels.
    Returns:
        (B, C, K, H', W').
    """
    b, c, h, w = x.shape
    flat = x.reshape(b, c, h * w)
    out = None
    for index, weight in zip(*_corners(py, px, h, w)):
        index = index.view(b, 1, -1)
        corner = flat.gather(2, index.expand(b, c, index.shape[-1]))
        term = corner * weight.view(b, 1, -1)
        out = term if out is None else out + term
    return out.view(b, c, *py.shape[1:])


def bilinear_bag(x: Tensor, py: Tensor, px: Tensor, scale: Tensor | None = None) -> Tensor:
    """:func:`bilinear_gather` channels-last, as one ``embedding_bag``: each sample is the
    weighted sum of 4 rows (pixels) of the (B H W, C) table, every channel at once.

    On CPU this is 5-10x faster than four element-wise gathers of the same values, forward
    and backward (MMCV's and torchvision's CPU DCN kernels are scalar loops); values and
    gradients are the same function.

    Args:
        x: (B, C, H, W). py, px: (B, ...) positions in pixels, any layout of the samples.
        scale: optional (B, ...) factor per sample (DCNv2's modulation), folded into the
            corner weights.
    Returns:
        (B, ..., C), the samples in the layout of ``py``.
    """
    b, c, h, w = x.shape
    index, weight = _corners(py, px, h, w)
    first = (torch.arange(b, device=x.device) * (h * w)).view(b, *[1] * (py.dim() - 1), 1)
    index = (torch.stack(index, -1) + first).view(-1, 4)
    weight = torch.stack(weight, -1)
    if scale is not None:
        weight = weight * scale.unsqueeze(-1)
    # contiguous rows of C (for B = 1 the reshape is a strided view: 8x slower bags)
    table = x.permute(0, 2, 3, 1).contiguous().view(b * h * w, c)
    out = F.embedding_bag(index, table, per_sample_weights=weight.view(-1, 4), mode='sum')
    return out.view(*py.shape, c)


def deform_conv2d_sampled(
    x: Tensor,
    offset: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    mask: Tensor | None = None,
) -> Tensor:
    """DCNv2 with torchvision's argument conventions (one offset group).

    Args:
        x: (B, C, H, W) input.
        offset: (B, 2 k_h k_w, H', W'), per kernel position k the (dy, dx) pair at
            channels 2k and 2k + 1, as ``torchvision.ops.deform_conv2d`` takes it.
        weight: (O, C / G, k_h, k_w) for G convolution groups (G = C: depthwise), as
            ``torchvision.ops.deform_conv2d`` infers G from it. bias: (O,) or None.
        mask: (B, k_h k_w, H', W') modulation, or None for DCNv1.
    Returns:
        (B, O, H', W'). Samples outside the input read zeros (bilinear, as torchvision).
    """
    b, c, h, w = x.shape
    o, c_per_group, kh, kw = weight.shape
    if c % c_per_group or o % (c // c_per_group):
        raise ValueError(
            f'weight {tuple(weight.shape)} does not divide the input channels {c} into groups'
        )
    g = c // c_per_group
    ho, wo = offset.shape[-2:]
    k = kh * kw
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    dev, dt = x.device, x.dtype
    ky = (torch.arange(kh, device=dev, dtype=dt) * dh).repeat_interleave(kw)
    kx = (torch.arange(kw, device=dev, dtype=dt) * dw).repeat(kh)
    base_y = (torch.arange(ho, device=dev, dtype=dt) * sh - ph).view(1, 1, ho, 1) + ky.view(
        1, k, 1, 1
    )
    base_x = (torch.arange(wo, device=dev, dtype=dt) * sw - pw).view(1, 1, 1, wo) + kx.view(
        1, k, 1, 1
    )
    off = offset.view(b, k, 2, ho, wo)
    py = base_y + off[:, :, 0]
    px = base_x + off[:, :, 1]
    if torch.onnx.is_in_onnx_export():  # GatherElements, which every runtime has
        sampled = bilinear_gather(x, py, px)  # (B, C, k, H', W')
        if mask is not None:
            sampled = sampled * mask.view(b, 1, k, ho, wo)
        # per group: (O/G, C/G * k) @ (C/G * k, H'W'); G = 1 is one plain matmul
        out = torch.matmul(
            weight.reshape(g, o // g, c_per_group * k),
            sampled.reshape(b, g, c_per_group * k, ho * wo),
        )
        out = out.view(b, o, ho, wo)
    else:
        # samples laid out as a (B, C, H' k_h, W' k_w) image, one k_h x k_w patch per output
        # pixel, so the contraction with the weight is one convolution with stride k (any
        # groups; mkldnn's depthwise kernel reads it once, where multiply-then-sum over a
        # (B, k, H', W', C) tensor made two more passes: 2.2 of 5.3 ms at 672 channels)
        def patches(t: Tensor) -> Tensor:  # (B, k, H', W') -> (B, H', k_h, W', k_w)
            return t.reshape(b, kh, kw, ho, wo).permute(0, 3, 1, 4, 2)

        scale = None if mask is None else patches(mask)
        sampled = bilinear_bag(x, patches(py), patches(px), scale)  # (B, H', kh, W', kw, C)
        image = sampled.view(b, ho * kh, wo * kw, c).permute(0, 3, 1, 2)  # channels-last
        out = F.conv2d(image, weight, None, (kh, kw), groups=g).contiguous()
    return out if bias is None else out + bias.view(1, o, 1, 1)
