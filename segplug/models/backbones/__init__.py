from .hc_resnet import HCResNet
from .hc_timm import HCTimmBackbone, PretrainedTimmBackbone
from .superpixel_fcn import SuperpixelFCN

__all__ = ['HCResNet', 'HCTimmBackbone', 'PretrainedTimmBackbone', 'SuperpixelFCN']
