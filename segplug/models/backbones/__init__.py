from .dcn_downsample import DCNv2Downsample
from .hc_resnet import HCResNet
from .hc_timm import HCTimmBackbone

__all__ = ['DCNv2Downsample', 'HCResNet', 'HCTimmBackbone']
