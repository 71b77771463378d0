from .clustering import HCFeatures, SoftClustering, require_assignments
from .dcn_downsample import DCNv2Downsample
from .native_resolution import NativeResolutionLossMixin, native_resolution_head
from .precision import autocast_active, float32_compute
from .transparent_layers import SeeThroughActivation, TransparentLayers

__all__ = [
    'DCNv2Downsample',
    'HCFeatures',
    'NativeResolutionLossMixin',
    'native_resolution_head',
    'SoftClustering',
    'require_assignments',
    'autocast_active',
    'float32_compute',
    'SeeThroughActivation',
    'TransparentLayers',
]
