"""FPNHead whose per-level upsampling goes through the HC clusters where it can."""

from __future__ import annotations

from typing import Any

from mmseg.models.decode_heads import FPNHead
from mmseg.models.utils import Upsample, resize
from mmseg.registry import MODELS
from torch import Tensor

from ...ops import hierarchical_decode
from ..utils import require_assignments


@MODELS.register_module()
class HCFPNHead(FPNHead):
    """MMSegmentation's ``FPNHead``: each scale head's x2 bilinear ``Upsample`` becomes a
    cluster decoding (Eq. 2) where an assignment covers that step; the remaining steps
    (finer than the clustered levels) stay bilinear."""

    def forward(self, inputs: Any) -> Tensor:
        assignments = require_assignments(inputs, 'HCFPNHead', 'its backbone or neck')
        x = self._transform_inputs(inputs)
        output = self.scale_heads[0](x[0])
        for i in range(1, len(self.feature_strides)):
            y = x[i]
            for module in self.scale_heads[i]:
                if isinstance(module, Upsample):  # x2: one level of clusters if there is one
                    decoded = hierarchical_decode(y, assignments, steps=1, strict=False)
                    y = decoded if decoded is not y else module(y)
                else:
                    y = module(y)
            output = output + resize(
                y, size=output.shape[2:], mode='bilinear', align_corners=self.align_corners
            )
        return self.cls_seg(output)
