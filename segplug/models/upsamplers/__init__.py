"""Interchangeable upsamplers for decode paths (registered in MMSegmentation's ``MODELS``).

Every upsampler is an ``nn.Module`` called as ``up(x, size, assignments=None)``: (B, C, h, w)
to (B, C, H, W), with ``assignments`` the HC cluster assignments when the backbone emits them
(only ``HCUpsampler`` reads them). Heads build one per upsampling step with
``MODELS.build(dict(cfg, channels=C))``.
"""

from .base import build_upsampler
from .bilinear import BilinearUpsampler
from .carafe import CARAFEUpsampler
from .dysample import DySample
from .hc import HCUpsampler

__all__ = ['BilinearUpsampler', 'CARAFEUpsampler', 'DySample', 'HCUpsampler', 'build_upsampler']
