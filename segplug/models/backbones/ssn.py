"""The pixel-feature CNN of the Superpixel Sampling Network (Jampani et al., ECCV 2018,
Fig. 3), and HCSSN: the same network whose coarse scales are decoded to full resolution
through HC's hierarchical clusters (HC paper, Sec. 4.3, Eq. 3) instead of bilinearly.

The layout follows the SSN paper's Fig. 3 as published and perrying/ssn-pytorch (the HC
author's reimplementation): 7 convolutions,
two per scale at strides 1, 2, 4 (3x3, BN, ReLU; 3x3 max-pooling with stride 2 between the
scales), the three scales' features at full resolution concatenated with the input, a 3x3
convolution + ReLU to ``feature_dim - 5`` channels, and the input appended again.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ...ops.soft_clustering import hierarchical_decode
from ..utils import SoftClustering

SCALES = 3


def _conv_bn_relu(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)
    )


@MODELS.register_module()
class SSNPixelFeatures(BaseModule):
    """SSN's pixel features: a three-scale CNN over the scaled XY-Lab input.

    Any input size works: max-pooling (3x3, stride 2, padding 1) gives ceil(H/2) x ceil(W/2).

    Args:
        in_channels: 5, the scaled Lab colour and yx position (``xylab_features``).
        channels: width of every hidden convolution (64).
        feature_dim: output channels, the input's included (20 in SSN and the HC paper).
        init_std: the hidden and output convolutions' weights ~ N(0, init_std^2), biases 0
            (SSN's reimplementation: 0.001; the output starts near zero, so the first
            iterations cluster on the XY-Lab input alone).
    """

    def __init__(
        self,
        in_channels: int = 5,
        channels: int = 64,
        feature_dim: int = 20,
        init_std: float = 0.001,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if feature_dim <= in_channels:
            raise ValueError(
                f'feature_dim={feature_dim} must exceed in_channels={in_channels}: the output '
                'is feature_dim - in_channels learnt channels plus the input'
            )
        self.in_channels, self.feature_dim, self.init_std = in_channels, feature_dim, init_std
        self.scales = nn.ModuleList(
            [nn.Sequential(_conv_bn_relu(in_channels, channels), _conv_bn_relu(channels, channels))]
            + [
                nn.Sequential(
                    nn.MaxPool2d(3, 2, padding=1),
                    _conv_bn_relu(channels, channels),
                    _conv_bn_relu(channels, channels),
                )
                for _ in range(SCALES - 1)
            ]
        )
        self.out_conv = nn.Sequential(
            nn.Conv2d(SCALES * channels + in_channels, feature_dim - in_channels, 3, padding=1),
            nn.ReLU(True),
        )
        self._init_ssn_convs()

    def _init_ssn_convs(self) -> None:
        """N(0, init_std^2) for SSN's own convolutions (not for modules subclasses add)."""
        for m in [*self.scales.modules(), *self.out_conv.modules()]:
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0.0, self.init_std)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def pyramid(self, x: Tensor) -> list[Tensor]:
        """(B, 5, H, W) -> [(B, C, H, W), (B, C, ceil(H/2), ...), (B, C, ceil(H/4), ...)]."""
        feats = []
        for scale in self.scales:
            x = scale(x)
            feats.append(x)
        return feats

    def upsample(self, pyramid: list[Tensor]) -> list[Tensor]:
        """The coarse scales at the finest one's size, bilinearly: [(B, C, H, W)] * 2."""
        size = pyramid[0].shape[-2:]
        return [
            F.interpolate(p, size=size, mode='bilinear', align_corners=False) for p in pyramid[1:]
        ]

    def forward(self, x: Tensor) -> Tensor:
        """(B, 5, H, W) XY-Lab -> (B, feature_dim, H, W): learnt features, then the input."""
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'{type(self).__name__} expects {self.in_channels} input channels (scaled '
                f'Lab and yx), got shape {tuple(x.shape)}'
            )
        pyramid = self.pyramid(x)
        feats = self.out_conv(torch.cat([x, pyramid[0], *self.upsample(pyramid)], 1))
        return torch.cat([feats, x], 1)


@MODELS.register_module()
class HCSSNPixelFeatures(SSNPixelFeatures):
    """HCSSN: SSN's pixel features with HC's soft clustering at both max-poolings and the
    coarse scales decoded through the clusters (Eq. 3) instead of bilinear upsampling.

    The feed-forward path is SSN's; each downsampling gets a :class:`SoftClustering` of the
    pooled scale's input pixels (x^(s)) to the seeds of the next scale's output (its
    "block" sampling branch, segplug's default for HC-ResNet). Scale 2 is decoded through
    the stride-1 assignment, scale 3 through the stride-2 and then the stride-1 one.

    Args:
        cluster_dim, tau, learnable_tau: of :class:`SoftClustering` (HC paper: 64, 0.07).
        Others: as :class:`SSNPixelFeatures`.
    """

    def __init__(
        self,
        in_channels: int = 5,
        channels: int = 64,
        feature_dim: int = 20,
        init_std: float = 0.001,
        cluster_dim: int = 64,
        tau: float = 0.07,
        learnable_tau: bool = False,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(in_channels, channels, feature_dim, init_std, init_cfg)
        # clusterings[l]: pixels of scale l to the seeds of scale l + 1
        self.clusterings = nn.ModuleList(
            SoftClustering(channels, channels, cluster_dim, tau, learnable_tau)
            for _ in range(SCALES - 1)
        )

    def assignments(self, pyramid: list[Tensor]) -> list[Tensor]:
        """Soft assignments coarse to fine: [(B, 9, ceil(H/2), ...), (B, 9, H, W)]."""
        return [
            self.clusterings[level](pyramid[level], pyramid[level + 1])
            for level in reversed(range(SCALES - 1))
        ]

    def upsample(self, pyramid: list[Tensor]) -> list[Tensor]:
        """The coarse scales decoded to the finest one through the clusters (Eq. 3)."""
        assignments = self.assignments(pyramid)
        return [
            hierarchical_decode(p, assignments[SCALES - 1 - level :])
            for level, p in enumerate(pyramid[1:], 1)
        ]
