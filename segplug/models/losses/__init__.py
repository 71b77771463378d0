"""Losses: CPP-KL (class probability preserving pooling + KL) and UOI / soft IOU."""
from .cpp_kl_loss import CPPKLLoss
from .native_resolution import CPPFCNHead, NativeResolutionLossMixin, native_resolution_head
from .uoi_loss import SoftIoULoss, UOILoss

__all__ = ['CPPKLLoss', 'CPPFCNHead', 'NativeResolutionLossMixin', 'native_resolution_head',
           'SoftIoULoss', 'UOILoss']
