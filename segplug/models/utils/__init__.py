from .clustering import HCFeatures, SoftClustering

__all__ = ['HCFeatures', 'SoftClustering']
