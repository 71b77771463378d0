from .hc_fpn_head import HCFPNHead
from .hypercolumn_head import HypercolumnHead, PixelMetricLoss
from .ti_fusion_head import SeeThroughActivation, TIFusionHead, TransparentLayers

__all__ = ['HCFPNHead', 'HypercolumnHead', 'PixelMetricLoss', 'SeeThroughActivation',
           'TIFusionHead', 'TransparentLayers']
