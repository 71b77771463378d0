"""FPN whose top-down upsampling is a configurable upsampler."""

from __future__ import annotations

from typing import Any

from mmseg.models.necks import FPN
from mmseg.registry import MODELS
from torch import nn

from ..upsamplers import build_upsampler
from ..utils import HCFeatures


@MODELS.register_module()
class UpsamplerFPN(FPN):
    """MMSegmentation's ``FPN``; each top-down step (stride 2s -> s) is one ``upsampler``
    (``segplug.models.upsamplers``), with its own parameters per step.

    HCFeatures in (an HC backbone) give HCFeatures out, with the same assignments, so the
    head's upsamplers can decode through them too. Extra levels (``num_outs`` > inputs) are
    not supported: segmentation FPNs do not use them.

    Args:
        upsampler: config of one step, e.g. ``dict(type='DySample')``.
        *args, **kwargs: ``FPN``'s (``upsample_cfg`` is replaced by ``upsampler``).
    """

    def __init__(
        self, *args: Any, upsampler: dict = dict(type='BilinearUpsampler'), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        n = self.backbone_end_level - self.start_level
        if self.num_outs != n:
            raise ValueError(
                f'UpsamplerFPN supports num_outs = number of used inputs ({n}), got {self.num_outs}'
            )
        self.upsamplers = nn.ModuleList(
            build_upsampler(upsampler, self.out_channels) for _ in range(n - 1)
        )

    def forward(self, inputs: Any) -> tuple:
        assignments = inputs.assignments if isinstance(inputs, HCFeatures) else None
        laterals = [conv(inputs[i + self.start_level]) for i, conv in enumerate(self.lateral_convs)]
        # FPN's top-down path with its resize replaced (FPN.forward has no hook for it)
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + self.upsamplers[i - 1](
                laterals[i], laterals[i - 1].shape[2:], assignments
            )
        outs = [conv(lat) for conv, lat in zip(self.fpn_convs, laterals)]
        return HCFeatures(outs, assignments) if assignments is not None else tuple(outs)
