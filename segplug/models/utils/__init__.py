from .clustering import HCFeatures, SoftClustering, require_assignments
from .dcn_downsample import DCNv2Downsample
from .precision import autocast_active, float32_compute
from .transparent_layers import SeeThroughActivation, TransparentLayers

__all__ = [
    'DCNv2Downsample',
    'HCFeatures',
    'SoftClustering',
    'require_assignments',
    'autocast_active',
    'float32_compute',
    'SeeThroughActivation',
    'TransparentLayers',
]
