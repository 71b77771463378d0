"""The superpixel FCN of Yang et al. (CVPR 2020): an encoder-decoder predicting, for every
pixel, its association with the 9 grid cells around it (``segplug.ops.superpixel_fcn``).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ...ops.superpixel_fcn import association


def _conv(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    # the reference's block: 3x3 conv, BN, LeakyReLU(0.1)
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.LeakyReLU(0.1, inplace=True),
    )


def _deconv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=True), nn.LeakyReLU(0.1, inplace=True)
    )


@MODELS.register_module()
class SuperpixelFCN(BaseModule):
    """Superpixel FCN (SpixelNet): 4 stride-2 encoder stages, a deconvolution decoder with skip
    connections, and a 9-channel prediction at full resolution.

    Any input size works: the input is padded to a multiple of 2^4 and the output cropped.
    The cell size S only enters the interpretation of the 9 channels (``association``), so
    the same weights serve any S.

    Args:
        in_channels: input channels (3: the normalised image).
        base_channels: width of the first stage (16 in the reference); stage i has
            base * 2^i.
        cell_size: S, the superpixel grid interval in pixels (16 in the reference).
        init_cfg: e.g. ``dict(type='Pretrained', checkpoint=PATH, prefix='superpixel_net.')``.
    """

    def __init__(
        self,
        in_channels: int = 3,
        base_channels: int = 16,
        cell_size: int = 16,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if int(cell_size) < 1:
            raise ValueError(f'cell_size={cell_size}: must be a positive number of pixels')
        self._cell_size = int(cell_size)
        c = [base_channels * 2**i for i in range(5)]
        self.enc = nn.ModuleList(
            [nn.Sequential(_conv(in_channels, c[0]), _conv(c[0], c[0]))]
            + [nn.Sequential(_conv(c[i - 1], c[i], 2), _conv(c[i], c[i])) for i in range(1, 5)]
        )
        self.up = nn.ModuleList(_deconv(c[i + 1], c[i]) for i in range(4))
        self.fuse = nn.ModuleList(_conv(2 * c[i], c[i]) for i in range(4))
        self.pred = nn.Conv2d(c[0], 9, 3, 1, 1)

    @property
    def cell_size(self) -> int:
        """S, the superpixel grid interval in pixels; the segmentors that hold this network ask
        it here (it is fixed at construction: the association's 9 neighbours depend on it)."""
        return self._cell_size

    def forward_logits(self, img: Tensor) -> Tensor:
        """(B, 3, H, W) -> (B, 9, H, W) association scores."""
        h, w = img.shape[-2:]
        x = F.pad(img, (0, -w % 16, 0, -h % 16))
        skips = []
        for stage in self.enc:
            x = stage(x)
            skips.append(x)
        x = skips.pop()
        for i in reversed(range(4)):
            x = self.fuse[i](torch.cat([skips[i], self.up[i](x)], 1))
        return self.pred(x)[..., :h, :w]

    def forward(self, img: Tensor) -> Tensor:
        """(B, 3, H, W) -> (B, 9, H, W) association map q (softmax over the 9 cells)."""
        return association(self.forward_logits(img), self.cell_size)
