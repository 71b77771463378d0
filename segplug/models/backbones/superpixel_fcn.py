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

from ...ops.soft_clustering import NEIGHBOURS
from ...ops.superpixel_fcn import association, grid_size, hard_superpixels, superpixel_loss
from ..utils.precision import float32_compute


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
        self.pred = nn.Conv2d(c[0], NEIGHBOURS, 3, 1, 1)

    # The grid interval S is this network's own: the segmentors and tools that hold it ask it
    # for grids, hard superpixels and Eq. 1 (tell, don't ask), never for S itself.

    def grid(self, size: tuple[int, int]) -> tuple[int, int]:
        """(h, w), the superpixel grid of an image of ``size`` (H, W)."""
        return grid_size(tuple(size), self._cell_size)

    def num_superpixels(self, size: tuple[int, int]) -> int:
        """h * w, the number of superpixel ids of an image of ``size`` (H, W)."""
        h, w = self.grid(size)
        return h * w

    def input_size_for(self, count: int, size: tuple[int, int]) -> tuple[int, int]:
        """An input size (H', W') with the aspect ratio of ``size`` (H, W) whose grid holds
        about ``count`` superpixels (at least one cell each way): resize an image to it to
        get that many superpixels from a fixed grid interval."""
        s = self._cell_size
        scale = (count * s * s / (size[0] * size[1])) ** 0.5
        return max(s, round(size[0] * scale)), max(s, round(size[1] * scale))

    def hard_superpixels(self, assoc: Tensor) -> Tensor:
        """(B, 9, H, W) association -> (B, H, W) long ids in [0, h * w), each pixel's most
        associated cell."""
        return hard_superpixels(assoc, self._cell_size)

    @float32_compute  # means over superpixels by batched products: float32 under autocast
    def reconstruction_loss(
        self, assoc: Tensor, props: Tensor, m: float = 0.003, distance: str = 'ce'
    ) -> tuple[Tensor, Tensor]:
        """Eq. 1 on this grid: ``(reconstruction, position)`` 0-d tensors for the (B, 9, H, W)
        association and (B, K, H, W) properties (``ops.superpixel_fcn.superpixel_loss``)."""
        return superpixel_loss(assoc, props, self._cell_size, m=m, distance=distance)

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
        return association(self.forward_logits(img), self._cell_size)
