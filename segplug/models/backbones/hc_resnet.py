"""HC-ResNet: a stride-32 ResNetV1c whose downsampling stages also cluster pixels.

The feed-forward path is MMSegmentation's ``ResNetV1c`` unchanged (same modules, same
parameter names, so its checkpoints load); the chosen downsampling layers become DCNv2
(optional) and each gets a :class:`SoftClustering` module whose assignments travel with the
features (:class:`HCFeatures`) for the segmentor to decode predictions through.
"""

from __future__ import annotations

from typing import Any

import torch.nn as nn
from mmseg.models.backbones import ResNetV1c
from mmseg.models.backbones.resnet import BasicBlock
from mmseg.registry import MODELS
from torch import Tensor

from ..utils import HCFeatures, SoftClustering
from ..utils.capture import Tap, capture
from ..utils.dcn_downsample import DCNv2Downsample

BRANCHES = ('identity', 'residual', 'block')


@MODELS.register_module()
class HCResNet(ResNetV1c):
    """ResNetV1c with hierarchical soft clustering at its downsampling layers (HC paper).

    Args:
        hc_levels: number of clustered downsampling stages, counted from conv5_x down:
            1 = conv5_x, 2 = conv4_x and conv5_x (paper's default), 3 adds conv3_x,
            4 adds conv2_x (the stem's max-pool).
        sampling_branch: which map is the seed map of a stage (Table 1): ``'identity'``
            I(x), ``'residual'`` R(x), or ``'block'`` B(x) = I(x) + R(x) (default).
        use_dcn: make the clustered stages' strided convolutions DCNv2 (App. A): the
            strided 3x3 (``conv1`` of a BasicBlock; of a Bottleneck ``conv2`` for
            ``style='pytorch'``, ``conv1`` for ``style='caffe'``).
        dcn_shortcut: with ``use_dcn``, make the strided 1x1 projection shortcut
            (``downsample.0``) DCNv2 too, as App. A converts "the strided convolutions
            except for conv1" (default). ``False`` keeps it a plain conv (segplug before
            2026-12, one deformable conv per stage).
        dcn_backend: ``'auto'``, ``'sampled'``, ``'torchvision'`` or ``'mmcv'`` (see
            :class:`DCNv2Downsample`).
        cluster_dim, tau, learnable_tau: of :class:`SoftClustering`.
        Other arguments as MMSegmentation's ``ResNetV1c``; strides must be those of a
            stride-32 ResNet (1, 2, 2, 2) with no dilation, or the stages would not
            downsample.
    """

    def __init__(
        self,
        hc_levels: int = 2,
        sampling_branch: str = 'block',
        use_dcn: bool = True,
        dcn_shortcut: bool = True,
        dcn_backend: str = 'auto',
        cluster_dim: int = 64,
        tau: float = 0.07,
        learnable_tau: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not 1 <= hc_levels <= 4:
            raise ValueError(f'hc_levels must be 1..4 (conv5_x down to conv2_x), got {hc_levels}')
        if sampling_branch not in BRANCHES:
            raise ValueError(f'sampling_branch must be one of {BRANCHES}, got {sampling_branch!r}')
        if tuple(self.strides) != (1, 2, 2, 2) or any(d != 1 for d in self.dilations):
            raise ValueError(
                'HCResNet needs strides=(1, 2, 2, 2) and dilations=(1, 1, 1, 1), '
                f'got strides={self.strides}, dilations={self.dilations}'
            )
        if self.num_stages != 4:
            raise ValueError(f'HCResNet needs num_stages=4, got {self.num_stages}')
        self.hc_levels = hc_levels
        self.sampling_branch = sampling_branch
        # stage index 0 = conv2_x (max-pool), 1..3 = conv3_x..conv5_x
        self.hc_stages = list(range(4 - hc_levels, 4))
        self.clusterings = nn.ModuleDict()
        stem_out = self.stem_channels
        for stage in self.hc_stages:
            layer = getattr(self, self.res_layers[stage])
            block = layer[0]
            if stage == 0:
                fine_c, seed_c = (
                    stem_out,
                    (stem_out if sampling_branch == 'identity' else self._block_out(block)),
                )
            else:
                fine_c, seed_c = self._block_in(block), self._block_out(block)
                if use_dcn:
                    self._make_dcn(block, dcn_backend, dcn_shortcut)
            self.clusterings[str(stage)] = SoftClustering(
                fine_c, seed_c, cluster_dim, tau, learnable_tau
            )

    @staticmethod
    def _block_in(block: nn.Module) -> int:
        return block.conv1.in_channels

    @staticmethod
    def _block_out(block: nn.Module) -> int:
        last = block.conv2 if isinstance(block, BasicBlock) else block.conv3
        return last.out_channels

    @staticmethod
    def _make_dcn(block: nn.Module, backend: str, shortcut: bool) -> None:
        name = 'conv1' if isinstance(block, BasicBlock) or block.conv1_stride > 1 else 'conv2'
        conv = getattr(block, name)
        setattr(block, name, DCNv2Downsample.from_conv(conv, backend))
        projection = block.downsample[0] if block.downsample is not None else None
        # avg_down (ResNetV1d) pools first and its 1x1 conv is not strided: nothing to convert
        if shortcut and isinstance(projection, nn.Conv2d) and max(projection.stride) > 1:
            block.downsample[0] = DCNv2Downsample.from_conv(projection, backend)

    def _taps(self) -> dict[str, Tap]:
        """Where x^(s) (the stage input) and the seed map of each clustered stage are read,
        without touching ResNet's forward."""
        taps = {}
        for stage in self.hc_stages:
            key, layer = str(stage), getattr(self, self.res_layers[stage])
            block = layer[0]
            taps[f'fine{key}'] = Tap(self.maxpool if stage == 0 else layer, 'input')
            if self.sampling_branch == 'identity':
                taps[f'seed{key}'] = Tap(self.maxpool if stage == 0 else block.downsample)
            elif self.sampling_branch == 'residual':
                # the block adds the identity into its residual in place: keep a copy
                norm = block.norm2 if isinstance(block, BasicBlock) else block.norm3
                taps[f'seed{key}'] = Tap(norm, clone=True)
            else:
                taps[f'seed{key}'] = Tap(block)
        return taps

    def forward(self, x: Tensor) -> HCFeatures:
        """(B, 3, H, W) -> the ResNet's features, with ``assignments`` coarse to fine."""
        with capture(self._taps()) as maps:
            outs = super().forward(x)
        assignments = [
            self.clusterings[str(s)](maps[f'fine{s}'], maps[f'seed{s}'])
            for s in reversed(self.hc_stages)
        ]
        return HCFeatures(outs, assignments)
