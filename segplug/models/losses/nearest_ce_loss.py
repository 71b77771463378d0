"""Cross-entropy at a head's own resolution on nearest-downsampled labels: CPP-KL's control."""

from __future__ import annotations

import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor, nn

from segplug.ops.cpp_pooling import nearest_downsample

from ..utils.native_resolution import check_native_loss_inputs
from ..utils.precision import float32_compute


@MODELS.register_module()
class NearestDownsampledCELoss(nn.Module):
    """Cross-entropy between a head's (B, C, h, w) output and the labels down-sampled to
    (h, w) by nearest neighbour (``segplug.ops.nearest_downsample``): the low-resolution
    auxiliary loss whose target CPP pooling replaces (SeeThroughNet, Sec. 3). Mean over the
    cells whose picked pixel is labelled.

    Like ``CPPKLLoss`` it marks itself ``native_resolution = True``, so it belongs in
    ``CPPFCNHead`` (or a head made by ``native_resolution_head``); in a plain MMSegmentation
    head it would get logits at label size, and be plain cross-entropy.

    Args:
        loss_weight: weight of the term.
        loss_name: key in the loss dict; must start with ``loss_`` to be optimised.
        mode: ``'nearest'`` (the top-left pixel of each cell, ``F.interpolate``'s default)
            or ``'nearest-exact'`` (its centre).
    """

    native_resolution = True

    def __init__(
        self, loss_weight: float = 1.0, loss_name: str = 'loss_ce_nearest', mode: str = 'nearest'
    ) -> None:
        super().__init__()
        if mode not in ('nearest', 'nearest-exact'):
            raise ValueError(f"mode must be 'nearest' or 'nearest-exact', got {mode!r}")
        self.loss_weight, self._loss_name, self.mode = loss_weight, loss_name, mode

    @float32_compute
    def forward(
        self,
        cls_score: Tensor,
        label: Tensor,
        weight: Tensor | None = None,
        ignore_index: int = 255,
        **kwargs,
    ) -> Tensor:
        """cls_score: (B, C, h, w) logits; label: (B, H, W) class ids. Returns a scalar."""
        check_native_loss_inputs('NearestDownsampledCELoss', cls_score, label, weight)
        target = nearest_downsample(label, cls_score.shape[2:], self.mode).long()
        ce = F.cross_entropy(cls_score.float(), target, ignore_index=ignore_index, reduction='sum')
        # mean over labelled cells; an all-ignore batch gives 0 but stays in the graph
        return self.loss_weight * ce / (target != ignore_index).sum().clamp(min=1)

    @property
    def loss_name(self) -> str:
        return self._loss_name
