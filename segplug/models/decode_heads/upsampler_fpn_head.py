"""FPNHead whose scale heads upsample with a configurable upsampler."""

from __future__ import annotations

from typing import Any

from mmseg.models.decode_heads import FPNHead
from mmseg.models.utils import Upsample
from mmseg.registry import MODELS
from torch import Tensor

from ..upsamplers import build_upsampler
from ..utils import HCFeatures


@MODELS.register_module()
class UpsamplerFPNHead(FPNHead):
    """MMSegmentation's ``FPNHead``; every x2 ``Upsample`` of its scale heads becomes one
    ``upsampler`` (own parameters per step). Each step goes to the exact size of the next
    finer input level, so odd sizes (360x480 at stride 32: 12x15 -> 23x30) need no final
    resize.

    Args:
        upsampler: config of one step, e.g. ``dict(type='DySample')``.
        **kwargs: ``FPNHead``'s; ``feature_strides`` must double level to level.
    """

    def __init__(self, upsampler: dict = dict(type='BilinearUpsampler'), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        strides = list(self.feature_strides)
        if any(b != 2 * a for a, b in zip(strides, strides[1:])):
            raise ValueError(
                f'UpsamplerFPNHead: feature_strides must double level to level '
                f'(x2 upsamplers), got {strides}'
            )
        # positions of the x2 steps in each scale head (conv, up, conv, up, ...)
        self.upsample_steps = [
            [k for k, m in enumerate(head) if isinstance(m, Upsample)] for head in self.scale_heads
        ]
        for head, steps in zip(self.scale_heads, self.upsample_steps):
            for k in steps:
                head[k] = build_upsampler(upsampler, self.channels)

    def forward(self, inputs: Any) -> Tensor:
        assignments = inputs.assignments if isinstance(inputs, HCFeatures) else None
        x = self._transform_inputs(inputs)
        output = self.scale_heads[0](x[0])
        for i in range(1, len(self.feature_strides)):
            y, level = x[i], i
            for k, module in enumerate(self.scale_heads[i]):
                if k in self.upsample_steps[i]:
                    level -= 1
                    y = module(y, x[level].shape[2:], assignments)
                else:
                    y = module(y)
            output = output + y
        return self.cls_seg(output)
