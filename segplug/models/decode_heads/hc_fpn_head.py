"""FPNHead whose per-level upsampling goes through the HC clusters where it can."""
from __future__ import annotations

from typing import Any

from mmseg.models.decode_heads import FPNHead
from mmseg.models.utils import Upsample, resize
from mmseg.registry import MODELS
from torch import Tensor

from ...ops import is_seed_size
from ..necks.hc_fpn import upsample_through_clusters


@MODELS.register_module()
class HCFPNHead(FPNHead):
    """MMSegmentation's ``FPNHead``: each scale head's x2 bilinear ``Upsample`` becomes a
    cluster decoding (Eq. 2) where an assignment covers that step; the remaining steps
    (finer than the clustered levels) stay bilinear."""

    def forward(self, inputs: Any) -> Tensor:
        assignments = getattr(inputs, 'assignments', [])
        x = self._transform_inputs(inputs)
        output = self.scale_heads[0](x[0])
        for i in range(1, len(self.feature_strides)):
            y = x[i]
            for module in self.scale_heads[i]:
                if isinstance(module, Upsample):
                    finer = [a for a in assignments if is_seed_size(y.shape[-2:], a.shape[-2:])]
                    y = (upsample_through_clusters(y, finer[0].shape[-2:], finer)
                         if finer else module(y))
                else:
                    y = module(y)
            output = output + resize(y, size=output.shape[2:], mode='bilinear',
                                     align_corners=self.align_corners)
        return self.cls_seg(output)
