"""Losses: HC assignment supervision, CPP-KL (class probability preserving pooling + KL) and
its control (cross-entropy on nearest-downsampled labels), UOI / soft IOU, and the pixel
metric loss of Semantic Soft Segmentation."""

from .cpp_kl_loss import CPPKLLoss
from .hc_assignment_loss import HCAssignmentLoss
from .nearest_ce_loss import NearestDownsampledCELoss
from .semantic_feature_loss import SemanticFeatureLoss
from .uoi_loss import SoftIoULoss, UOILoss

__all__ = [
    'CPPKLLoss',
    'HCAssignmentLoss',
    'NearestDownsampledCELoss',
    'SemanticFeatureLoss',
    'SoftIoULoss',
    'UOILoss',
]
