from .hc_fpn import HCFPN
from .upsampler_fpn import UpsamplerFPN

__all__ = ['UpsamplerFPN', 'HCFPN']
