"""Heads whose native-resolution losses see the head's own output, not its upsampled copy.

MMSegmentation's ``BaseDecodeHead.loss_by_feat`` resizes the logits to the label size before
calling every loss in ``loss_decode``. A soft-label loss at the head's resolution (CPP-KL,
and UOI on CPP-pooled ground truth as in the UOI paper's coarse net) needs the logits as the
head produced them. ``NativeResolutionLossMixin`` routes each loss by its
``native_resolution`` attribute: True gets the raw logits (B, C, h, w) and the full labels
(B, H, W), everything else (MMSegmentation's CE, Dice, ...) gets exactly what it gets in
MMSegmentation. ``native_resolution_head`` makes such a head from any head class;
``CPPFCNHead`` (``models/decode_heads/cpp_fcn_head.py``) is MMSegmentation's ``FCNHead`` with
it, the auxiliary head of FCN, PSPNet, DeepLabV3(+), UPerNet, ... in MMSegmentation's configs.
"""

from __future__ import annotations

from mmseg.models.losses import accuracy
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor, nn


class NativeResolutionLossMixin:
    """Put before a ``BaseDecodeHead`` subclass in the bases; overrides ``loss_by_feat``."""

    def loss_by_feat(self, seg_logits: Tensor, batch_data_samples: list) -> dict:
        """Losses of ``loss_decode``, each at its resolution; ``acc_seg`` at label size."""
        seg_label = self._stack_batch_gt(batch_data_samples)
        native_logits = seg_logits
        seg_logits = resize(
            input=seg_logits,
            size=seg_label.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners,
        )
        seg_weight = (
            self.sampler.sample(seg_logits, seg_label) if self.sampler is not None else None
        )
        seg_label = seg_label.squeeze(1)
        losses_decode = (
            self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) else [self.loss_decode]
        )
        loss = dict()
        for loss_decode in losses_decode:
            if getattr(loss_decode, 'native_resolution', False):
                value = loss_decode(native_logits, seg_label, ignore_index=self.ignore_index)
            else:
                value = loss_decode(
                    seg_logits, seg_label, weight=seg_weight, ignore_index=self.ignore_index
                )
            name = loss_decode.loss_name
            loss[name] = loss[name] + value if name in loss else value
        loss['acc_seg'] = accuracy(seg_logits, seg_label, ignore_index=self.ignore_index)
        return loss


def native_resolution_head(head_cls: type, name: str | None = None) -> type:
    """A subclass of ``head_cls`` with :class:`NativeResolutionLossMixin`, registered in
    ``mmseg.registry.MODELS`` as ``name`` (default ``'Native' + head_cls.__name__``)."""
    name = name or f'Native{head_cls.__name__}'
    cls = type(
        name,
        (NativeResolutionLossMixin, head_cls),
        dict(
            __doc__=f'{head_cls.__name__} whose native-resolution losses '
            '(CPPKLLoss, ...) receive its own output.'
        ),
    )
    return MODELS.register_module(name=name, module=cls)


def check_native_loss_inputs(
    loss_type: str,
    cls_score: Tensor,
    label: Tensor,
    weight: Tensor | None,
    why: str = 'its targets are per cell',
) -> None:
    """The checks of a loss that compares a head's (B, C, h, w) output with (B, H, W)
    labels as a whole (CPP-KL and the nearest-downsampled CE per cell, UOI over the batch):
    no per-pixel ``weight`` (a pixel sampler; ``why`` says why not), cls_score
    (B, C, h, w) and label (B, H, W) of one batch. Raises ValueError naming ``loss_type``."""
    if weight is not None:
        raise ValueError(
            f'{loss_type} takes no per-pixel weight (a pixel sampler): {why}; '
            "remove the head's sampler"
        )
    if cls_score.dim() != 4 or label.dim() != 3 or cls_score.shape[0] != label.shape[0]:
        raise ValueError(
            f'{loss_type}: expected cls_score (B, C, h, w) and label (B, H, W), got '
            f'{tuple(cls_score.shape)} and {tuple(label.shape)}'
        )
