"""FPN whose top-down upsampling goes through the HC clusters where it can."""

from __future__ import annotations

from typing import Any

from mmseg.registry import MODELS

from ..utils import HCFeatures, require_assignments
from .upsampler_fpn import UpsamplerFPN


@MODELS.register_module()
class HCFPN(UpsamplerFPN):
    """MMSegmentation's ``FPN``; the top-down path's upsampling uses the clusters (HCFPN).

    ``UpsamplerFPN`` with ``HCUpsampler`` at every step; the steps without clusters resize
    as FPN's ``upsample_cfg`` says (nearest by default, to the exact size of the finer
    level). Takes ``HCFeatures`` (a ValueError otherwise) and returns ``HCFeatures`` with
    the same assignments, so a head after it can decode through them too.
    """

    def __init__(self, *args: Any, upsample_cfg: dict = dict(mode='nearest'), **kwargs: Any):
        if 'upsampler' in kwargs:
            raise ValueError('HCFPN: the upsampler is HCUpsampler; use UpsamplerFPN to choose')
        step = {k: v for k, v in upsample_cfg.items() if k != 'scale_factor'}
        super().__init__(
            *args,
            upsample_cfg=upsample_cfg,
            upsampler=dict(type='HCUpsampler', **step),
            **kwargs,
        )

    def forward(self, inputs: Any) -> HCFeatures:
        require_assignments(inputs, 'HCFPN', 'its backbone')
        return super().forward(inputs)
