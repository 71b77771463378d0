"""Hypercolumn feature head of Semantic Soft Segmentation (its loss: ``SemanticFeatureLoss``).

Supplement Sec. 1 and Fig. 1: features branched from the input, the stem (pool1) and
several backbone stages are each compressed by a 3x3 conv + ReLU, bilinearly upsampled to
the input resolution, concatenated and reduced by two 1x1 convs to d = 128 per-pixel
semantic features, which are trained with the sampled metric loss of Eq. 1.

The head of ``SemanticFeatureEncoderDecoder``; it keeps the architecture's name in the paper
(hypercolumn), the segmentor and loss carry the method's (``SemanticFeature...``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor

from ..losses.semantic_feature_loss import (
    SemanticFeatureLoss,  # noqa: F401  (registers the default loss)
)


@MODELS.register_module()
class HypercolumnHead(BaseDecodeHead):
    """Per-pixel d-dimensional semantic features from a hypercolumn (supplement Fig. 1).

    The head takes a list of maps whose element 0 is the (normalised) input image, which
    sets the output resolution; ``SemanticFeatureEncoderDecoder`` builds that list as
    ``[image, *tapped backbone modules (e.g. the stem's pool1), *backbone outputs]``.
    ``in_index`` picks the branches; each is compressed by a 3x3 conv + ReLU to its
    ``widths`` entry, upsampled bilinearly to the image size, and the concatenation goes
    through a 1x1 conv to ``channels`` + ReLU and a 1x1 conv (``conv_seg``) to ``feat_dim``.
    Dropout (``dropout_ratio``, channel-wise) precedes both 1x1 convs, as in the paper.

    ``fuse_upsample=True`` applies the first 1x1 conv to every branch at its own resolution
    and upsamples its ``channels``-wide result instead: a 1x1 conv and bilinear upsampling
    are both linear and act on different axes, so they commute, and the concatenated 1x1
    conv is the sum of per-branch 1x1 convs. The output is the same (channel-wise dropout
    commutes with upsampling too) but the widest matrix product runs at 1/16 .. 1/1024 of the
    pixels. ``False`` is the paper's order, kept for checking.

    Args:
        in_channels: channels of the selected inputs (3 for the image).
        widths: compressed width per selected input (paper: 4, 124, 128, 256, 512).
        channels: width of the first 1x1 conv (paper: 512).
        feat_dim: d, the output feature dimension (paper: 128).
        loss_decode: the metric loss (``SemanticFeatureLoss``).
        instance_key: data-sample field holding an instance map (``PixelData``) when the
            dataset provides one; otherwise instances are connected components.
    """

    def __init__(
        self,
        in_channels: Sequence[int] = (3, 64, 128, 256, 512),
        widths: Sequence[int] = (4, 124, 128, 256, 512),
        channels: int = 512,
        feat_dim: int = 128,
        in_index: Sequence[int] = (0, 1, 3, 4, 5),
        dropout_ratio: float = 0.5,
        fuse_upsample: bool = True,
        loss_decode: dict | None = None,
        instance_key: str = 'gt_instance_map',
        init_cfg: dict | None = None,
        **kwargs,
    ) -> None:
        in_channels, widths, in_index = list(in_channels), list(widths), list(in_index)
        if len(widths) != len(in_index) or len(in_channels) != len(in_index):
            raise ValueError(
                f'widths ({widths}), in_channels ({in_channels}) and in_index '
                f'({in_index}) must have one entry per branch'
            )
        if any(not isinstance(w, int) or w < 1 for w in widths):
            raise ValueError(f'widths must be positive integers, got {widths}')
        if not isinstance(feat_dim, int) or feat_dim < 1:
            raise ValueError(f'feat_dim must be a positive integer, got {feat_dim!r}')
        super().__init__(
            in_channels,
            channels,
            num_classes=feat_dim,
            out_channels=feat_dim,
            in_index=in_index,
            input_transform='multiple_select',
            dropout_ratio=dropout_ratio,
            loss_decode=loss_decode or dict(type='SemanticFeatureLoss'),
            init_cfg=init_cfg or dict(type='Xavier', layer='Conv2d', distribution='uniform'),
            **kwargs,
        )
        self.widths, self.feat_dim = widths, feat_dim
        self.fuse_upsample, self.instance_key = fuse_upsample, instance_key
        self.compress = nn.ModuleList(
            ConvModule(
                c,
                w,
                3,
                padding=1,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg,
            )
            for c, w in zip(in_channels, widths)
        )
        # the 1x1 conv over the concatenation, stored as its per-branch column blocks
        self.reduce = nn.ModuleList(
            nn.Conv2d(w, channels, 1, bias=(i == 0)) for i, w in enumerate(widths)
        )
        self.act = nn.ReLU(inplace=True)

    def _upsample(self, x: Tensor, size: torch.Size) -> Tensor:
        if x.shape[-2:] == size:
            return x
        return F.interpolate(x, size, mode='bilinear', align_corners=self.align_corners)

    def forward(self, inputs: list[Tensor]) -> Tensor:
        """(B, 3, H, W) image + feature maps -> (B, feat_dim, H, W) features."""
        size = inputs[0].shape[-2:]
        branches = self._transform_inputs(inputs)
        fused = None
        for x, compress, reduce in zip(branches, self.compress, self.reduce):
            x = compress(x)
            if self.dropout is not None:
                x = self.dropout(x)
            x = (
                self._upsample(reduce(x), size)
                if self.fuse_upsample
                else reduce(self._upsample(x, size))
            )
            fused = x if fused is None else fused + x
        return self.cls_seg(self.act(fused))

    def loss_by_feat(self, seg_logits: Tensor, batch_data_samples: SampleList) -> dict:
        """Eq. 1 on the features (``seg_logits`` here are the (B, d, H, W) features)."""
        labels = torch.stack([s.gt_sem_seg.data[0] for s in batch_data_samples])
        if labels.shape[-2:] != seg_logits.shape[-2:]:
            raise ValueError(
                f'labels {tuple(labels.shape[-2:])} and features '
                f'{tuple(seg_logits.shape[-2:])} differ in size: the head '
                f'outputs at the input (padded) size'
            )
        instances = [
            s.get(self.instance_key).data[0] if self.instance_key in s else None
            for s in batch_data_samples
        ]
        losses = {}
        loss_modules = (
            self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) else [self.loss_decode]
        )
        for loss in loss_modules:
            losses[loss.loss_name] = loss(seg_logits, labels.long(), instances)
        return losses
