"""The fusion head of the joint superpixel model (TI, Eq. 3-12).

``TIFusionHead`` concatenates semantic logits with the superpixel network's
output, passes them through transparent layers and keeps the logit channels: at step 0 the
joined model predicts exactly the pretrained semantic logits.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from ...ops.soft_clustering import NEIGHBOURS
from ..utils.transparent_layers import TransparentLayers


@MODELS.register_module()
class TIFusionHead(nn.Module):
    """Fuse semantic logits with the superpixel network's output through TI layers.

    ``[logits, superpixel]`` (N_l + N_sp channels) -> transparent 1x1 conv layers -> the
    first N_l channels. At initialisation the output equals ``logits`` (to rounding).

    Args:
        num_classes: N_l.
        superpixel_channels: N_sp (9 for the superpixel FCN's association map).
        hidden: hidden widths m_1..m_{k-1}, each >= N_l + N_sp (Theorem 1; None means
            N_l + N_sp). The paper uses 3 layers on VOC / Context (two hidden widths) and 2 on
            ADE20K (one).
        act_cfg, see_through, seed, precision: as ``TransparentLayers``.
    """

    def __init__(
        self,
        num_classes: int,
        superpixel_channels: int = NEIGHBOURS,
        hidden: Sequence[int | None] = (None, None),
        act_cfg: dict | None = dict(type='ReLU'),
        see_through: bool = False,
        seed: int | None = None,
        precision: str = 'float32',
    ) -> None:
        super().__init__()
        m0 = num_classes + superpixel_channels
        hidden = [m0 if h is None else int(h) for h in hidden]
        self.num_classes = num_classes
        self.ti = TransparentLayers(
            [m0, *hidden, m0], act_cfg, see_through, conv=True, seed=seed, precision=precision
        )

    def init_weights(self) -> None:
        self.ti.reset_parameters()

    def forward(self, logits: Tensor, superpixel: Tensor) -> Tensor:
        """(B, N_l, H, W) logits and (B, N_sp, H, W) superpixel output -> (B, N_l, H, W)."""
        if logits.shape[-2:] != superpixel.shape[-2:]:
            raise ValueError(
                f'logits {tuple(logits.shape)} and superpixel output '
                f'{tuple(superpixel.shape)} must have one spatial size'
            )
        return self.ti(torch.cat([logits, superpixel], 1))[:, : self.num_classes]
