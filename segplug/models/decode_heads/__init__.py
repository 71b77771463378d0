from .hc_fpn_head import HCFPNHead

__all__ = ['HCFPNHead']
