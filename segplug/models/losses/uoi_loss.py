"""Union-over-Intersection and soft IOU losses (UOI paper, Eq. 6-8, 21-29, 47, 60)."""

from __future__ import annotations

from mmseg.registry import MODELS
from torch import Tensor, nn

from segplug.ops.cpp_pooling import cpp_pool, infer_cpp_scale
from segplug.ops.soft_iou import expected_intersection_union, iou_from_iu, uoi_from_iu

from ..utils.native_resolution import check_native_loss_inputs
from ..utils.precision import float32_compute


class _ExpectedIULoss(nn.Module):
    """Shared part: E[I_k], E[U_k] over the batch from softmax(cls_score) and the labels.

    With logits at label resolution the ground truth is the one-hot of the labels (ignore
    pixels left out). With smaller logits (a native-resolution head, or the UOI paper's
    coarse net) it is the CPP-pooled soft ground truth, cells that are mostly ignore left out.
    """

    def __init__(
        self,
        loss_weight: float,
        loss_name: str,
        smooth: float,
        classes: str,
        native_resolution: bool,
    ) -> None:
        super().__init__()
        if smooth < 0:
            raise ValueError(f'smooth must be >= 0, got {smooth}')
        if classes not in ('present', 'all'):
            raise ValueError(f"classes must be 'present' or 'all', got {classes!r}")
        self.loss_weight = loss_weight
        self._loss_name = loss_name
        self.smooth = smooth
        self.classes = classes
        self.native_resolution = native_resolution

    @float32_compute  # E[I], E[U] sum over the batch's pixels, U / I divides: float32
    def expected_iu(
        self, cls_score: Tensor, label: Tensor, weight: Tensor | None, ignore_index: int
    ):
        check_native_loss_inputs(
            type(self).__name__, cls_score, label, weight, 'it is a corpus-level loss'
        )
        probs = cls_score.float().softmax(dim=1)
        if cls_score.shape[2:] == label.shape[1:]:
            return expected_intersection_union(probs, label, ignore_index=ignore_index)
        scale = infer_cpp_scale(tuple(label.shape[1:]), tuple(cls_score.shape[2:]))
        pooled = cpp_pool(label, cls_score.shape[1], scale, ignore_index=ignore_index)
        return expected_intersection_union(probs, pooled.probs, valid=pooled.valid)

    @property
    def loss_name(self) -> str:
        return self._loss_name


@MODELS.register_module()
class UOILoss(_ExpectedIULoss):
    """UOI = mean over classes of E[U_k] / E[I_k], summed over every pixel of the batch.

    Args:
        loss_weight: weight of the term (the paper's combination: 0.7 UOI + 0.3 CE).
        loss_name: key in the loss dict.
        smooth: added to E[U_k] and E[I_k]; keeps a missed class finite (<= E[U_k] + 1 for
            the default 1, a few pixels' worth against sums over the batch's pixels).
        classes: ``'present'`` averages over classes with ground truth in the batch (absent
            classes would give U/I = inf); ``'all'`` over all classes (needs smooth > 0).
            See ``segplug.ops.soft_iou.uoi_from_iu``.
        native_resolution: receive the head's raw output in ``CPPFCNHead`` (soft CPP
            ground truth) instead of the upsampled one.
    """

    def __init__(
        self,
        loss_weight: float = 1.0,
        loss_name: str = 'loss_uoi',
        smooth: float = 1.0,
        classes: str = 'present',
        native_resolution: bool = False,
    ) -> None:
        super().__init__(loss_weight, loss_name, smooth, classes, native_resolution)

    def forward(
        self,
        cls_score: Tensor,
        label: Tensor,
        weight: Tensor | None = None,
        ignore_index: int = 255,
        **kwargs,
    ) -> Tensor:
        """cls_score: (B, C, h, w) logits; label: (B, H, W). Returns a scalar >= 1."""
        eiu = self.expected_iu(cls_score, label, weight, ignore_index)
        return self.loss_weight * uoi_from_iu(eiu, self.smooth, self.classes)


@MODELS.register_module()
class SoftIoULoss(_ExpectedIULoss):
    """IOU loss, 1 - mean over classes of E[I_k] / E[U_k] (Eq. 47 as a loss), for comparison
    with UOI (same arguments, same class rule)."""

    def __init__(
        self,
        loss_weight: float = 1.0,
        loss_name: str = 'loss_iou',
        smooth: float = 1.0,
        classes: str = 'present',
        native_resolution: bool = False,
    ) -> None:
        super().__init__(loss_weight, loss_name, smooth, classes, native_resolution)

    def forward(
        self,
        cls_score: Tensor,
        label: Tensor,
        weight: Tensor | None = None,
        ignore_index: int = 255,
        **kwargs,
    ) -> Tensor:
        """cls_score: (B, C, h, w) logits; label: (B, H, W). Returns a scalar in [0, 1]."""
        eiu = self.expected_iu(cls_score, label, weight, ignore_index)
        return self.loss_weight * (1 - iou_from_iu(eiu, self.smooth, self.classes))
