"""EncoderDecoder whose heads' coarse predictions are decoded through the HC clusters."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor

from ...ops import hierarchical_decode
from ..utils import HCFeatures, require_assignments


@MODELS.register_module()
class HCEncoderDecoder(EncoderDecoder):
    """MMSegmentation's ``EncoderDecoder`` for a backbone that returns ``HCFeatures``.

    Any unchanged decode head (and auxiliary heads) predicts at its usual stride; the
    prediction is decoded through the clusters (Eq. 3) instead of being upsampled, in the
    loss and in inference (``whole`` and ``slide``); the remaining factor to the input size
    is bilinear, as in the paper. Heads' ``loss_by_feat`` / ``predict_by_feat`` are
    MMSegmentation's own.

    Args:
        assignment_loss: optional loss on the assignments themselves (e.g.
            ``dict(type='HCAssignmentLoss')``, beyond the paper; off by default), called as
            ``loss(assignments, labels (B, H, W), num_classes, ignore_index)`` with the
            decode head's classes; its value joins the loss dict under its ``loss_name``.
        **kwargs: ``EncoderDecoder``'s arguments.
    """

    def __init__(self, *args: Any, assignment_loss: dict | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assignment_loss = MODELS.build(assignment_loss) if assignment_loss else None

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """``EncoderDecoder.loss`` plus the assignment loss (if any) on the same features."""
        x = self.extract_feat(inputs)
        losses = self._decode_head_forward_train(x, data_samples)
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x, data_samples))
        if self.assignment_loss is not None:
            labels = torch.stack([s.gt_sem_seg.data for s in data_samples])[:, 0]
            head = self.decode_head
            losses[self.assignment_loss.loss_name] = self.assignment_loss(
                list(x.assignments), labels, head.num_classes, head.ignore_index
            )
        return losses

    def extract_feat(self, inputs: Tensor) -> HCFeatures:
        """Backbone (and neck) features, which must carry the cluster assignments."""
        x = super().extract_feat(inputs)
        producer = (
            f'the neck ({type(self.neck).__name__})'
            if self.with_neck
            else f'the backbone ({type(self.backbone).__name__})'
        )
        require_assignments(x, type(self).__name__, producer)
        return x

    def _decoded_forward(self, head: nn.Module, x: HCFeatures) -> Tensor:
        """The head's prediction decoded through every level of clusters from its stride."""
        return hierarchical_decode(head.forward(x), x.assignments, strict=False)

    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None) -> Tensor:
        """``mode='tensor'``: the decode head's logits decoded through the clusters (at the
        finest clustered stride, as ``encode_decode`` before its bilinear resize)."""
        return self._decoded_forward(self.decode_head, self.extract_feat(inputs))

    def encode_decode(self, inputs: Tensor, batch_img_metas: list[dict]) -> Tensor:
        x = self.extract_feat(inputs)
        logits = self._decoded_forward(self.decode_head, x)
        return self.decode_head.predict_by_feat(logits, batch_img_metas)

    def _decode_head_forward_train(self, inputs: Any, data_samples: SampleList) -> dict:
        losses = dict()
        logits = self._decoded_forward(self.decode_head, inputs)
        loss = self.decode_head.loss_by_feat(logits, data_samples)
        losses.update({f'decode.{k}': v for k, v in loss.items()})
        return losses

    def _auxiliary_head_forward_train(self, inputs: Any, data_samples: SampleList) -> dict:
        losses = dict()
        heads = (
            self.auxiliary_head
            if isinstance(self.auxiliary_head, nn.ModuleList)
            else [self.auxiliary_head]
        )
        for idx, head in enumerate(heads):
            loss = head.loss_by_feat(self._decoded_forward(head, inputs), data_samples)
            prefix = f'aux_{idx}' if isinstance(self.auxiliary_head, nn.ModuleList) else 'aux'
            losses.update({f'{prefix}.{k}': v for k, v in loss.items()})
        return losses
