"""The semantic-feature (pixel metric) loss of Semantic Soft Segmentation (supplement Sec. 1,
Eq. 1), as a module that ``HypercolumnHead`` (or any head) holds in ``loss_decode``.

Registered as ``SemanticFeatureLoss`` and, for configs written before the rename, as
``PixelMetricLoss`` (see ``segmentors/semantic_feature_segmentor.py`` for the names).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn
from mmengine.dist import get_rank
from mmseg.registry import MODELS
from torch import Tensor

from ...ops.metric_learning import REDUCTIONS, connected_instances, sampled_metric_loss
from ..utils.precision import float32_compute


@MODELS.register_module()
class SemanticFeatureLoss(nn.Module):
    """Eq. 1 on P_inst x P_pix sampled pixels, R samplings per image (supplement Sec. 1).

    Args:
        num_instances: P_inst, instances drawn per sampling (paper: 3).
        num_pixels: P_pix, pixels drawn per instance (paper: 1000); an instance smaller
            than that is sampled with replacement (see ``sample_instance_pixels``).
        repeats: R, samplings per image whose gradients are accumulated (paper: 10).
        reduction: ``'pixels'`` (Eq. 1 as printed: / |P|) or ``'pairs'`` (mean over pairs,
            independent of P_inst x P_pix, easier to weigh against a cross-entropy).
        seed: seed of the loss's own generator, so the samples do not depend on the global
            RNG; each process adds its rank so DDP ranks draw different pixels.
        loss_weight: factor on the loss.
        loss_name: key in the loss dict (MMSegmentation sums keys starting with ``loss``).
    """

    def __init__(
        self,
        num_instances: int = 3,
        num_pixels: int = 1000,
        repeats: int = 10,
        reduction: str = 'pixels',
        ignore_index: int = 255,
        connectivity: int = 2,
        seed: int = 0,
        loss_weight: float = 1.0,
        loss_name: str = 'loss_metric',
    ) -> None:
        super().__init__()
        for name, value in (
            ('num_instances', num_instances),
            ('num_pixels', num_pixels),
            ('repeats', repeats),
        ):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be an integer >= 1, got {value!r}')
        if reduction not in REDUCTIONS:
            raise ValueError(f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
        if connectivity not in (1, 2):
            raise ValueError(f'connectivity must be 1 or 2, got {connectivity!r}')
        self.num_instances, self.num_pixels, self.repeats = num_instances, num_pixels, repeats
        self.reduction, self.ignore_index = reduction, ignore_index
        self.connectivity, self.seed = connectivity, seed
        self.loss_weight, self._loss_name = loss_weight, loss_name
        self.generator: torch.Generator | None = None

    @property
    def loss_name(self) -> str:
        return self._loss_name

    @float32_compute  # sums over 10 x 3000^2 pairs: float32 under autocast
    def forward(
        self, feats: Tensor, labels: Tensor, instances: Sequence[Tensor | None] | None = None
    ) -> Tensor:
        """Mean over the images of the batch of their R-sampling Eq. 1 losses.

        Args:
            feats: (B, d, H, W) per-pixel features.
            labels: (B, H, W) class maps, ``ignore_index`` = never sampled.
            instances: per image an (H, W) instance map, or None for connected components.
        Returns:
            scalar, times ``loss_weight``. An image with no labelled pixel (a crop of
            Unlabelled only) contributes no pairs; a batch of only such images gives 0
            (connected to ``feats`` so every parameter still receives a gradient).
        """
        if feats.dim() != 4 or labels.shape != (feats.shape[0], *feats.shape[2:]):
            raise ValueError(
                f'feats must be (B, d, H, W) and labels (B, H, W); got '
                f'{tuple(feats.shape)} and {tuple(labels.shape)}'
            )
        if self.generator is None:  # created lazily: after the process knows its rank
            self.generator = torch.Generator().manual_seed(self.seed + get_rank())
        instances = instances if instances is not None else [None] * feats.shape[0]
        losses = []
        for f, lab, inst in zip(feats, labels, instances):
            if not bool((lab != self.ignore_index).any()):
                continue
            if inst is None:
                inst = torch.from_numpy(  # scipy's labelling: back to the labels' device
                    connected_instances(lab, self.ignore_index, self.connectivity)
                ).to(lab.device)
            losses.append(
                sampled_metric_loss(
                    f,
                    lab,
                    inst,
                    self.num_instances,
                    self.num_pixels,
                    self.repeats,
                    self.ignore_index,
                    self.reduction,
                    self.generator,
                )
            )
        if not losses:
            return feats.sum() * 0.0
        return self.loss_weight * torch.stack(losses).mean()


# the earlier registry name (configs written before the rename)
MODELS.register_module(name='PixelMetricLoss', module=SemanticFeatureLoss)
