"""``CPPFCNHead``: MMSegmentation's ``FCNHead`` whose native-resolution losses (``CPPKLLoss``,
``UOILoss(native_resolution=True)``) receive its own (B, C, h, w) output instead of the copy
upsampled to label size; the auxiliary head of the CPP configs (SeeThroughNet supplement A.1).
"""
from __future__ import annotations

from mmseg.models.decode_heads import FCNHead

from ..losses.native_resolution import native_resolution_head

CPPFCNHead = native_resolution_head(FCNHead, 'CPPFCNHead')
