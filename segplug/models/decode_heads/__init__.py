from .cpp_fcn_head import CPPFCNHead
from .hc_fpn_head import HCFPNHead
from .hypercolumn_head import HypercolumnHead
from .ti_fusion_head import TIFusionHead

__all__ = ['CPPFCNHead', 'HCFPNHead', 'HypercolumnHead', 'TIFusionHead']
