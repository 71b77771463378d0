"""Evaluation metrics (registered in ``mmseg.registry.METRICS``)."""
from .per_class_iou import PerClassIoUMetric

__all__ = ['PerClassIoUMetric']
