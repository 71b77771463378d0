"""Pictures of data and predictions, drawn with MMSegmentation's ``SegLocalVisualizer``.

``panels`` (prediction panels) imports matplotlib and MMSegmentation's inference API: import
it as ``segplug.visualization.panels`` where it is needed.
"""

from .browse import browse_dataset
from .clusters import clusters_of
from .features import feature_image, normalise01, pca3, semantic_features, to_bgr8
from .inputs import model_input

__all__ = [
    'browse_dataset',
    'clusters_of',
    'feature_image',
    'model_input',
    'normalise01',
    'pca3',
    'semantic_features',
    'to_bgr8',
]
