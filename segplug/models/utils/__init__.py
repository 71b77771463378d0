from .clustering import HCFeatures, SoftClustering, require_assignments
from .precision import autocast_active, float32_compute

__all__ = ['HCFeatures', 'SoftClustering', 'require_assignments', 'autocast_active', 'float32_compute']
