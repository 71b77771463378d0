"""Losses: HC assignment supervision, CPP-KL (class probability preserving pooling + KL),
UOI / soft IOU, and the pixel metric loss of Semantic Soft Segmentation."""

from .cpp_kl_loss import CPPKLLoss
from .hc_assignment_loss import HCAssignmentLoss
from .semantic_feature_loss import SemanticFeatureLoss
from .uoi_loss import SoftIoULoss, UOILoss

__all__ = [
    'CPPKLLoss',
    'HCAssignmentLoss',
    'SemanticFeatureLoss',
    'SoftIoULoss',
    'UOILoss',
]
