"""FPNHead whose per-level upsampling goes through the HC clusters where it can."""

from __future__ import annotations

from typing import Any

from mmseg.registry import MODELS
from torch import Tensor

from ..utils import require_assignments
from .upsampler_fpn_head import UpsamplerFPNHead


@MODELS.register_module()
class HCFPNHead(UpsamplerFPNHead):
    """MMSegmentation's ``FPNHead``: each scale head's x2 bilinear ``Upsample`` becomes a
    cluster decoding (Eq. 2) where an assignment covers that step; the remaining steps
    (finer than the clustered levels) stay bilinear.

    ``UpsamplerFPNHead`` with ``HCUpsampler`` at every step: each step goes to the exact
    size of the next finer level (FPNHead's x2 followed by a final resize differs from it
    only where a level's size is odd). Takes ``HCFeatures`` (a ValueError otherwise).
    """

    def __init__(self, **kwargs: Any) -> None:
        if 'upsampler' in kwargs:
            raise ValueError(
                'HCFPNHead: the upsampler is HCUpsampler; use UpsamplerFPNHead to choose'
            )
        align = kwargs.get('align_corners', False)
        super().__init__(
            upsampler=dict(type='HCUpsampler', mode='bilinear', align_corners=align), **kwargs
        )

    def forward(self, inputs: Any) -> Tensor:
        require_assignments(inputs, 'HCFPNHead', 'its backbone or neck')
        return super().forward(inputs)
