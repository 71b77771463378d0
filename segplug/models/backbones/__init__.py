from .dcn_downsample import DCNv2Downsample
from .hc_resnet import HCResNet

__all__ = ['HCResNet', 'DCNv2Downsample']
