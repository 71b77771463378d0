"""HC's cluster decoding (Suzuki, Eq. 2) as an upsampler."""

from __future__ import annotations

from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor, nn

from ...ops import hierarchical_decode


@MODELS.register_module()
class HCUpsampler(nn.Module):
    """Decode through the level of HC clusters that goes from the input's size to ``size``.

    It has no parameters of its own: the clustering (projections, DCNv2 downsampling) lives
    in the HC backbone, which must emit the assignments. Steps finer than the clustered
    levels have no clusters and are resized (``mode``), as in the paper (Eq. 3, then
    bilinear); HCFPN's neck resizes them as FPN does (nearest).

    Args:
        channels: unused (every upsampler takes it).
        mode: interpolation of the steps without clusters ('bilinear', 'nearest').
        align_corners: of those steps (bilinear only).
    """

    def __init__(
        self, channels: int | None = None, mode: str = 'bilinear', align_corners: bool = False
    ) -> None:
        super().__init__()
        self.mode = mode
        self.align_corners = align_corners if mode in ('bilinear', 'bicubic') else None

    def forward(
        self, x: Tensor, size: tuple[int, int], assignments: list[Tensor] | None = None
    ) -> Tensor:
        """(B, C, h, w) -> (B, C, *size): by Eq. 2 if an assignment goes from (h, w) to
        ``size``, else resized."""
        if assignments is None:
            raise ValueError(
                'HCUpsampler: no cluster assignments reached it; it needs an HC '
                'backbone (HCResNet, HCTimmBackbone) and necks that pass '
                'HCFeatures on'
            )
        y = hierarchical_decode(x, assignments, steps=1, strict=False)
        if y is not x and tuple(y.shape[-2:]) == tuple(size):
            return y
        return resize(x, size=tuple(size), mode=self.mode, align_corners=self.align_corners)
