from .hc_fpn import HCFPN

__all__ = ['HCFPN']
