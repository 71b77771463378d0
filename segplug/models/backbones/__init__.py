from .hc_resnet import HCResNet
from .dcn_downsample import DCNv2Downsample

__all__ = ['HCResNet', 'DCNv2Downsample']
