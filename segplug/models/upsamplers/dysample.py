"""DySample (Liu, Lu, Fu, Cao: "Learning to Upsample by Learning to Sample", ICCV 2023)."""

from __future__ import annotations

import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor, nn

from ...ops.upsampling import check_upsample_size, point_sample_upsample
from ..utils.precision import float32_compute


@MODELS.register_module()
class DySample(nn.Module):
    """DySample-S ('lp' style, static scope factor): a linear layer predicts s^2 offsets per
    input pixel and group, scaled by 0.25 (the paper's static scope, Sec. 3.3), pixel-shuffled
    to the output (Fig. 2) and added to the bilinear sampling positions; ``grid_sample`` reads
    the input there. The offset layer starts at zero, so an untrained DySample is bilinear.

    Written from the paper (the authors' code initialises the offsets with std 1e-3 instead
    of zero; the brief here asks for an exact bilinear start).

    Args:
        channels: C of the maps it upsamples.
        scale: s (2 for every step here).
        groups: G, channel groups with their own offsets (paper: 4); must divide C.
        scope: static scope factor (paper: 0.25).
    """

    def __init__(self, channels: int, scale: int = 2, groups: int = 4, scope: float = 0.25) -> None:
        super().__init__()
        if channels % groups:
            raise ValueError(f'DySample: groups={groups} must divide channels={channels}')
        self.scale, self.groups, self.scope = scale, groups, scope
        self.offset = nn.Conv2d(channels, 2 * groups * scale * scale, 1)
        nn.init.zeros_(self.offset.weight)
        nn.init.zeros_(self.offset.bias)

    @float32_compute  # sampling positions are pixel positions: float32 under autocast
    def forward(
        self, x: Tensor, size: tuple[int, int], assignments: list[Tensor] | None = None
    ) -> Tensor:
        """(B, C, h, w) -> (B, C, *size), float32 under autocast; ``size`` within one pixel
        of s (h, w) per side."""
        check_upsample_size(x.shape[-2:], size, self.scale, 'DySample')
        offset = F.pixel_shuffle(self.scope * self.offset(x), self.scale)  # (B, 2G, sh, sw)
        return point_sample_upsample(x, offset[..., : size[0], : size[1]], self.groups)
