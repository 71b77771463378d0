from .clustering import HCFeatures, SoftClustering
from .precision import autocast_active, float32_compute

__all__ = ['HCFeatures', 'SoftClustering', 'autocast_active', 'float32_compute']
