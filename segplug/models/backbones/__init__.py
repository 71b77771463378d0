from .hc_resnet import HCResNet
from .hc_timm import HCTimmBackbone
from .superpixel_fcn import SuperpixelFCN

__all__ = ['HCResNet', 'HCTimmBackbone', 'SuperpixelFCN']
