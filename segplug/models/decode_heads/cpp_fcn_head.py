"""``CPPFCNHead``: MMSegmentation's ``FCNHead`` whose native-resolution losses (``CPPKLLoss``,
``UOILoss(native_resolution=True)``) receive its own (B, C, h, w) output instead of the copy
upsampled to label size; the auxiliary head of the CPP configs (SeeThroughNet supplement A.1).
"""

from __future__ import annotations

from mmseg.models.decode_heads import FCNHead
from mmseg.registry import MODELS

from ..utils.native_resolution import NativeResolutionLossMixin


@MODELS.register_module()
class CPPFCNHead(NativeResolutionLossMixin, FCNHead):
    """``FCNHead`` with :class:`NativeResolutionLossMixin`: same arguments, same forward;
    losses marked ``native_resolution`` get the (B, C, h, w) logits and the (B, H, W) labels.
    """
