"""Fixed interpolation: the baseline upsampler."""

from __future__ import annotations

from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class BilinearUpsampler(nn.Module):
    """``F.interpolate`` to the target size (no parameters).

    Args:
        channels: unused (every upsampler takes it).
        mode: 'bilinear' (default) or 'nearest'.
        align_corners: as in ``F.interpolate`` (bilinear only).
    """

    def __init__(
        self, channels: int | None = None, mode: str = 'bilinear', align_corners: bool = False
    ) -> None:
        super().__init__()
        if mode not in ('bilinear', 'nearest'):
            raise ValueError(
                f"BilinearUpsampler: mode must be 'bilinear' or 'nearest', got {mode!r}"
            )
        self.mode = mode
        self.align_corners = align_corners if mode == 'bilinear' else None

    def forward(
        self, x: Tensor, size: tuple[int, int], assignments: list[Tensor] | None = None
    ) -> Tensor:
        """(B, C, h, w) -> (B, C, *size)."""
        return resize(x, size=tuple(size), mode=self.mode, align_corners=self.align_corners)
