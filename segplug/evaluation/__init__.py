"""Evaluation metrics (registered in ``mmseg.registry.METRICS``)."""

from .boundary_metric import BoundaryMetric
from .confusion_matrix import ConfusionMatrixMetric
from .per_class_iou import PerClassIoUMetric
from .superpixel_metric import SuperpixelMetric

__all__ = ['BoundaryMetric', 'ConfusionMatrixMetric', 'PerClassIoUMetric', 'SuperpixelMetric']
