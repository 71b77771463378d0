from .hc_resnet import HCResNet
from .hc_timm import HCTimmBackbone, PretrainedTimmBackbone
from .ssn import HCSSNPixelFeatures, SSNPixelFeatures
from .superpixel_fcn import SuperpixelFCN

__all__ = [
    'HCResNet',
    'HCSSNPixelFeatures',
    'HCTimmBackbone',
    'PretrainedTimmBackbone',
    'SSNPixelFeatures',
    'SuperpixelFCN',
]
