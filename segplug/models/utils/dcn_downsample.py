"""Modulated deformable convolution (DCNv2) as a drop-in for a strided convolution."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.ops
from timm.layers import Conv2dSame
from timm.layers.padding import pad_same
from torch import Tensor

from ...ops import deform_conv2d_sampled
from .precision import float32_compute


class OffsetConv(nn.Module):
    """The zero-initialised convolution that predicts DCNv2's offsets and modulation.

    Deliberately not an ``nn.Conv2d``: MMEngine's initialisers (e.g. ResNet's default
    ``dict(type='Kaiming', layer='Conv2d')``) match layers by class and base-class name and
    would redraw it, turning the exact start into a randomly deformed convolution with
    offsets of several pixels. Its state-dict keys stay ``weight`` and ``bias``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple[int, int],
        stride: tuple[int, int],
        padding: tuple[int, int],
        dilation: tuple[int, int],
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_channels, in_channels, *kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) -> (B, 3 k^2, H', W')."""
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)


class SeparableOffsetConv(OffsetConv):
    """A cheaper offset predictor (beyond DCNv2): a depthwise k x k convolution (the layer's
    own kernel, stride and padding) then a zero-initialised 1x1 convolution to 3 k^2 channels.

    DCNv2's full k x k offset convolution costs ``C k^2 3 k^2`` multiply-adds per output
    pixel, 27x a depthwise 3x3 layer's own ``C k^2`` (EfficientNet's strided ``conv_dw``):
    for HCFCN-32 on EfficientNet-Lite0 it is 89% of HC's added FLOPs. Here it costs
    ``C k^2 + C 3 k^2``. The output is zero at initialisation (the exact start holds); the
    depthwise part starts from the layer's own kernel when the layer is depthwise
    (:meth:`DCNv2Downsample.from_conv`), else random, so the 1x1 part gets a gradient at
    once. :class:`OffsetConv`'s zero 1x1 ``weight`` and ``bias`` plus a ``depthwise`` kernel.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple[int, int],
        stride: tuple[int, int],
        padding: tuple[int, int],
        dilation: tuple[int, int],
    ) -> None:
        super().__init__(in_channels, out_channels, (1, 1), stride, padding, dilation)
        depthwise = torch.empty(in_channels, 1, *kernel_size)
        nn.init.kaiming_uniform_(depthwise, a=5**0.5)  # nn.Conv2d's default draw
        self.depthwise = nn.Parameter(depthwise)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) -> (B, 3 k^2, H', W')."""
        y = F.conv2d(x, self.depthwise, None, self.stride, self.padding, self.dilation, x.shape[1])
        return F.conv2d(y, self.weight, self.bias)


OFFSET_PREDICTORS = {'conv': OffsetConv, 'separable': SeparableOffsetConv}


class DCNv2Downsample(nn.Conv2d):
    """DCNv2 (Zhu et al. 2019) with the parameters of ``nn.Conv2d`` (HC paper, App. A).

    Offsets and modulation come from ``conv_offset``, a convolution with the same kernel,
    stride and padding, initialised to zero (one offset group, as DCNv2). The modulation is
    ``2 * sigmoid(m)``, not DCNv2's (and the HC author's later code's) ``sigmoid``: it is 1
    at initialisation where ``sigmoid`` gives 0.5, and that is what makes a module made from a
    pretrained strided conv with :meth:`from_conv` output exactly that conv's output, so an
    ImageNet backbone with its downsampling made deformable starts where it was trained.
    Grouped and depthwise convolutions (EfficientNet's strided ``conv_dw``) are supported.

    Args:
        backend: ``'auto'`` (default: ``'sampled'`` on CPU, ``'torchvision'`` on CUDA),
            ``'sampled'`` (:func:`segplug.ops.deform_conv2d_sampled`, one embedding bag and
            one strided convolution, several times faster than torchvision's CPU kernel),
            ``'torchvision'``
            (``torchvision.ops.deform_conv2d``, CPU and CUDA) or ``'mmcv'``
            (``mmcv.ops.modulated_deform_conv2d``; its CUDA kernel needs an mmcv built with
            CUDA, see the README). All four compute the same function.
        same_pad: pad the input as TensorFlow's ``'SAME'`` (timm's ``Conv2dSame``, used by
            the ``tf_*`` models: asymmetric, size-dependent) before a ``padding=0`` DCN.
        offset_predictor: ``'conv'`` (DCNv2's k x k convolution, the paper's) or
            ``'separable'`` (:class:`SeparableOffsetConv`, depthwise then 1x1; beyond the
            paper, for depthwise layers whose offset convolution would cost 27x the layer).
        Other arguments as ``nn.Conv2d``.
    """

    BACKENDS = ('auto', 'sampled', 'torchvision', 'mmcv')

    def __init__(
        self,
        *args,
        backend: str = 'auto',
        same_pad: bool = False,
        offset_predictor: str = 'conv',
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        if backend not in self.BACKENDS:
            raise ValueError(f'backend must be one of {self.BACKENDS}, got {backend!r}')
        if offset_predictor not in OFFSET_PREDICTORS:
            raise ValueError(
                f'offset_predictor must be one of {sorted(OFFSET_PREDICTORS)}, '
                f'got {offset_predictor!r}'
            )
        if same_pad and any(self.padding):
            raise ValueError(f'same_pad=True needs padding=0, got padding={self.padding}')
        self.backend = backend
        self.same_pad = same_pad
        kh, kw = self.kernel_size
        self.offset_predictor = offset_predictor
        self.conv_offset = OFFSET_PREDICTORS[offset_predictor](
            self.in_channels,
            3 * kh * kw,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
        )

    @classmethod
    def from_conv(
        cls, conv: nn.Conv2d, backend: str = 'auto', offset_predictor: str = 'conv'
    ) -> 'DCNv2Downsample':
        """A DCNv2 holding ``conv``'s weight and bias (same parameter names); a timm
        ``Conv2dSame`` keeps its TF padding. A separable offset predictor of a depthwise
        ``conv`` starts from ``conv``'s own kernel."""
        if conv.padding_mode != 'zeros':
            raise ValueError(f'{conv}: only zero padding can become DCNv2')
        dcn = cls(
            conv.in_channels,
            conv.out_channels,
            conv.kernel_size,
            conv.stride,
            conv.padding,
            conv.dilation,
            conv.groups,
            conv.bias is not None,
            backend=backend,
            same_pad=isinstance(conv, Conv2dSame),
            offset_predictor=offset_predictor,
        )
        dcn = dcn.to(device=conv.weight.device, dtype=conv.weight.dtype)
        with torch.no_grad():
            dcn.weight.copy_(conv.weight)
            if conv.bias is not None:
                dcn.bias.copy_(conv.bias)
            offsets = dcn.conv_offset
            if isinstance(offsets, SeparableOffsetConv) and conv.weight.shape == (
                offsets.depthwise.shape
            ):
                offsets.depthwise.copy_(conv.weight)
        return dcn

    def extra_repr(self) -> str:
        return (
            super().extra_repr()
            + f', backend={self.backend}, same_pad={self.same_pad}'
            + f', offset_predictor={self.offset_predictor}'
        )

    def offset_and_mask(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(B, C, H, W) -> offsets (B, 2 k^2, H', W') and modulation (B, k^2, H', W')."""
        o1, o2, m = self.conv_offset(x).chunk(3, dim=1)
        return torch.cat([o1, o2], dim=1), 2 * torch.sigmoid(m)

    @float32_compute  # sampling coordinates are pixel positions: float32 under autocast
    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) -> (B, O, H', W'), float32 under autocast."""
        if self.same_pad:
            x = pad_same(x, self.kernel_size, self.stride, self.dilation)
        offset, mask = self.offset_and_mask(x)
        backend = self.backend
        if backend == 'auto':
            backend = 'torchvision' if x.is_cuda else 'sampled'
        if backend == 'sampled':
            return deform_conv2d_sampled(
                x, offset, self.weight, self.bias, self.stride, self.padding, self.dilation, mask
            )
        if backend == 'mmcv':
            from mmcv.ops import modulated_deform_conv2d

            return modulated_deform_conv2d(
                x,
                offset,
                mask,
                self.weight,
                self.bias,
                self.stride,
                self.padding,
                self.dilation,
                self.groups,
                1,
            )
        return torchvision.ops.deform_conv2d(
            x, offset, self.weight, self.bias, self.stride, self.padding, self.dilation, mask
        )
