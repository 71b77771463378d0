"""HC's cluster decoding (Suzuki, Eq. 2) as an upsampler."""

from __future__ import annotations

from mmseg.registry import MODELS
from torch import Tensor, nn

from ..necks.hc_fpn import upsample_through_clusters


@MODELS.register_module()
class HCUpsampler(nn.Module):
    """Decode through the level of HC clusters that goes from the input's size to ``size``.

    It has no parameters of its own: the clustering (projections, DCNv2 downsampling) lives
    in the HC backbone, which must emit the assignments. Steps finer than the clustered
    levels have no clusters and stay bilinear, as in the paper (Eq. 3, then bilinear).

    Args:
        channels: unused (every upsampler takes it).
        align_corners: of the bilinear steps.
    """

    def __init__(self, channels: int | None = None, align_corners: bool = False) -> None:
        super().__init__()
        self.align_corners = align_corners

    def forward(
        self, x: Tensor, size: tuple[int, int], assignments: list[Tensor] | None = None
    ) -> Tensor:
        """(B, C, h, w) -> (B, C, *size), through the clusters where an assignment fits."""
        if assignments is None:
            raise ValueError(
                'HCUpsampler: no cluster assignments reached it; it needs an HC '
                'backbone (HCResNet, HCTimmBackbone) and necks that pass '
                'HCFeatures on'
            )
        return upsample_through_clusters(
            x, tuple(size), assignments, mode='bilinear', align_corners=self.align_corners
        )
