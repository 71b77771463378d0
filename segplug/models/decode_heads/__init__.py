from .hc_fpn_head import HCFPNHead
from .hypercolumn_head import HypercolumnHead, PixelMetricLoss

__all__ = ['HCFPNHead', 'HypercolumnHead', 'PixelMetricLoss']
