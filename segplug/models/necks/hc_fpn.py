"""FPN whose top-down upsampling goes through the HC clusters where it can."""

from __future__ import annotations

from typing import Any

from mmseg.models.necks import FPN
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor

from ...ops import hierarchical_decode
from ..utils import HCFeatures, require_assignments


def upsample_through_clusters(
    x: Tensor, size: tuple[int, int], assignments: list[Tensor], **resize_kwargs: Any
) -> Tensor:
    """Bring (B, C, h, w) to ``size``: by Eq. 2 if an assignment goes from (h, w) to
    ``size`` (HC paper), else by ``resize`` (bilinear / nearest as configured)."""
    y = hierarchical_decode(x, assignments, steps=1, strict=False)
    return (
        y
        if y is not x and tuple(y.shape[-2:]) == tuple(size)
        else resize(x, size=size, **resize_kwargs)
    )


@MODELS.register_module()
class HCFPN(FPN):
    """MMSegmentation's ``FPN``; the top-down path's upsampling uses the clusters (HCFPN).

    Takes ``HCFeatures`` and returns ``HCFeatures`` with the same assignments, so a head
    after it can decode through them too. Extra levels (``num_outs`` > inputs) are not
    supported: segmentation FPNs do not use them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.num_outs != self.backbone_end_level - self.start_level:
            raise ValueError(
                f'HCFPN supports num_outs = number of used inputs '
                f'({self.backbone_end_level - self.start_level}), '
                f'got {self.num_outs}'
            )

    def forward(self, inputs: Any) -> HCFeatures:
        assignments = require_assignments(inputs, 'HCFPN', 'its backbone')
        laterals = [conv(inputs[i + self.start_level]) for i, conv in enumerate(self.lateral_convs)]
        # FPN's top-down path, with the upsampling replaced (FPN.forward has no hook for it)
        cfg = {k: v for k, v in self.upsample_cfg.items() if k != 'scale_factor'}
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + upsample_through_clusters(
                laterals[i], laterals[i - 1].shape[2:], assignments, **cfg
            )
        return HCFeatures([conv(lat) for conv, lat in zip(self.fpn_convs, laterals)], assignments)
