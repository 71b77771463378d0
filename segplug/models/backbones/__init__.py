from .dcn_downsample import DCNv2Downsample
from .hc_resnet import HCResNet
from .hc_timm import HCTimmBackbone
from .superpixel_fcn import SuperpixelFCN

__all__ = ['DCNv2Downsample', 'HCResNet', 'HCTimmBackbone', 'SuperpixelFCN']
