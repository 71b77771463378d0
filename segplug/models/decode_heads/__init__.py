from .cpp_fcn_head import CPPFCNHead
from .hc_fpn_head import HCFPNHead
from .hypercolumn_head import HypercolumnHead
from .ti_fusion_head import TIFusionHead
from .upsampler_fpn_head import UpsamplerFPNHead

__all__ = ['UpsamplerFPNHead', 'CPPFCNHead', 'HCFPNHead', 'HypercolumnHead', 'TIFusionHead']
