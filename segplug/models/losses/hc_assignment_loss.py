"""Supervision of HC's cluster assignments with the labels (beyond the HC paper).

Diagnosis that motivates it (configs/hc/README.md): from the ImageNet start, HC's learned
assignments let thin objects' pixels leak into the surrounding seeds, although an oracle
assignment decodes them well. HC's assignment of the stride-s pixels to their 9 stride-2s
seeds is the superpixel FCN's association with 2 x 2 cells on the stride-s grid, so the
superpixel FCN's own label-reconstruction loss (Yang et al. CVPR 2020, Eq. 1; the TI paper's
superpixel loss) applies to it unchanged: pool the labels to the seeds through the
assignment, unpool them back, and score the reconstruction by cross-entropy. The labels at
stride s are the CPP-pooled class frequencies of each s x s cell (SeeThroughNet), so thin
objects are not dropped before the loss sees them.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from ...ops.cpp_pooling import cpp_pool, infer_cpp_scale
from ...ops.superpixel_fcn import superpixel_loss


@MODELS.register_module()
class HCAssignmentLoss(nn.Module):
    """Label reconstruction through every level of HC's assignments.

    Args:
        loss_weight: weight of the mean over levels.
        compactness: the superpixel FCN's position weight m (0: labels only; HC's seeds need
            no spatial compactness, their neighbourhood is already 3 x 3 cells).
        loss_name: key of the loss in the segmentor's loss dict (``loss_`` prefix: it is
            summed into the total).
    """

    def __init__(
        self, loss_weight: float = 1.0, compactness: float = 0.0, loss_name: str = 'loss_assign'
    ) -> None:
        super().__init__()
        if not loss_name.startswith('loss_'):
            raise ValueError(f'loss_name={loss_name!r}: must start with "loss_" to be summed')
        self.loss_weight = float(loss_weight)
        self.compactness = float(compactness)
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(
        self, assignments: list[Tensor], labels: Tensor, num_classes: int, ignore_index: int = 255
    ) -> Tensor:
        """The weighted mean over levels of the reconstruction cross-entropy.

        Args:
            assignments: (B, 9, H_l, W_l) soft assignments, any order; each level's stride
                s = H / H_l is found from its size.
            labels: (B, H, W) integer class ids (``ignore_index`` for unlabelled pixels).
            num_classes: K.
            ignore_index: unlabelled value; a cell's frequencies are over its labelled pixels,
                and cells with no labelled pixel add nothing.
        Returns:
            0-d tensor.
        """
        if not assignments:
            raise ValueError('HCAssignmentLoss needs at least one level of assignments')
        if labels.dim() != 3:
            raise ValueError(f'labels must be (B, H, W), got shape {tuple(labels.shape)}')
        terms = []
        for a in assignments:
            scale = infer_cpp_scale(tuple(labels.shape[-2:]), tuple(a.shape[-2:]))
            pooled = cpp_pool(labels, num_classes, scale, ignore_index)
            # cells with no labelled pixel have all-zero frequencies: they add no term
            recon, pos = superpixel_loss(a.float(), pooled.probs, 2, m=self.compactness)
            terms.append(recon + pos)
        return self.loss_weight * torch.stack(terms).mean()
