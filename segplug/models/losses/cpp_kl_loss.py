"""CPP-KL: KL divergence between CPP-pooled ground truth and a head's own-resolution output."""

from __future__ import annotations

import logging

from mmengine.logging import print_log
from mmseg.registry import MODELS
from torch import Tensor, nn

from segplug.ops.cpp_pooling import cpp_pool, infer_cpp_scale, soft_kl_divergence

from ..utils.native_resolution import check_native_loss_inputs
from ..utils.precision import float32_compute


@MODELS.register_module()
class CPPKLLoss(nn.Module):
    """KL(CPP(labels) || softmax(prediction)) averaged over valid cells (SeeThroughNet, Sec. 3).

    The prediction stays at the head's resolution (B, C, h, w) and the labels (B, H, W) are
    CPP-pooled down to it (``segplug.ops.cpp_pool``), with the scale s inferred from the two
    sizes (``ceil(H / s) == h``) unless ``scale`` is given. Cells whose ignore share exceeds
    ``max_ignore_ratio`` are left out; the others' targets are the class frequencies among
    their labelled pixels.

    MMSegmentation's heads upsample their output to the label size before calling
    ``loss_decode``, so the loss must sit in a head that hands native-resolution losses the
    raw output: ``CPPFCNHead`` (or any head made with ``native_resolution_head``). This loss
    marks itself with ``native_resolution = True`` for that. In a plain head it receives
    full-resolution logits, CPP pooling with s = 1 is the one-hot and the loss is plain
    cross-entropy; a warning says so once.

    Args:
        loss_weight: weight of the term (0.6: best auxiliary weight of the supplement's
            Table 1, PSPNet on Cityscapes).
        loss_name: key in the loss dict; must start with ``loss_`` to be optimised.
        scale: fixed down-sampling factor; None infers it from the sizes.
        max_ignore_ratio: cells with a larger ignore share are skipped.
    """

    native_resolution = True

    def __init__(
        self,
        loss_weight: float = 0.6,
        loss_name: str = 'loss_cpp_kl',
        scale: int | None = None,
        max_ignore_ratio: float = 0.5,
    ) -> None:
        super().__init__()
        if scale is not None and (not isinstance(scale, int) or scale < 1):
            raise ValueError(f'scale must be None or an integer >= 1, got {scale!r}')
        if not 0.0 <= max_ignore_ratio <= 1.0:
            raise ValueError(f'max_ignore_ratio must be in [0, 1], got {max_ignore_ratio}')
        self.loss_weight = loss_weight
        self._loss_name = loss_name
        self.scale = scale
        self.max_ignore_ratio = max_ignore_ratio
        self._warned = False

    @float32_compute  # KL sums over every cell of the batch: float32 under autocast
    def forward(
        self,
        cls_score: Tensor,
        label: Tensor,
        weight: Tensor | None = None,
        ignore_index: int = 255,
        **kwargs,
    ) -> Tensor:
        """cls_score: (B, C, h, w) logits; label: (B, H, W) class ids. Returns a scalar."""
        check_native_loss_inputs('CPPKLLoss', cls_score, label, weight)
        size, label_size = tuple(cls_score.shape[2:]), tuple(label.shape[1:])
        scale = self.scale or infer_cpp_scale(label_size, size)
        if scale == 1 and not self._warned:
            print_log(
                'CPPKLLoss got logits at label resolution: CPP pooling is a no-op and '
                'the loss is cross-entropy. Put it in CPPFCNHead (or a head made by '
                "native_resolution_head) to see the head's own output.",
                logger='current',
                level=logging.WARNING,
            )
            self._warned = True
        pooled = cpp_pool(
            label,
            cls_score.shape[1],
            scale,
            ignore_index=ignore_index,
            max_ignore_ratio=self.max_ignore_ratio,
        )
        if pooled.probs.shape != cls_score.shape:
            raise ValueError(
                f'CPP pooling of labels {label_size} by {scale} gives '
                f"{tuple(pooled.probs.shape[2:])}, not the prediction's {size}"
            )
        kl = soft_kl_divergence(cls_score.float(), pooled.probs)
        valid = pooled.valid
        # Mean over valid cells; an all-ignore batch gives 0 but stays in the graph.
        loss = (kl * valid).sum() / valid.sum().clamp(min=1)
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        return self._loss_name
