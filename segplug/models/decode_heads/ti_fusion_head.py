"""Transparent layers (TI, Eq. 3-12) and the fusion head of the joint superpixel model.

``TransparentLayers`` is a stack of k >= 2 Linear or 1x1 Conv2d layers with an activation
between them, initialised by ``segplug.ops.transparent_init`` so that it is the identity map
at step 0. ``TIFusionHead`` concatenates semantic logits with the superpixel network's
output, passes them through transparent layers and keeps the logit channels: at step 0 the
joined model predicts exactly the pretrained semantic logits.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from ...ops.transparent_init import ODD_PART_CONSTANTS, check_widths, transparent_weights

ACTIVATIONS = {
    'relu': lambda slope: nn.ReLU(),
    'leaky_relu': lambda slope: nn.LeakyReLU(slope),
    'softplus': lambda slope: nn.Softplus(),
    'logsigmoid': lambda slope: nn.LogSigmoid(),
    'sigmoid': lambda slope: nn.Sigmoid(),
    'tanh': lambda slope: nn.Tanh(),
    'gelu': lambda slope: nn.GELU(),
}


class SeeThroughActivation(nn.Module):
    """The general transparent activation (supplementary G, Fig. 11b), any sigma.

    Input channels are two halves ``(z0, z1)``; the output is ``(sigma(z0), sigma(z0) + z1)``.
    At TI the previous layer gives ``z0 = -z1 = z``, so the output ``(sigma(z), sigma(z) - z)``
    has halves whose difference is ``z`` for every sigma.
    """

    def __init__(self, act: nn.Module, dim: int = 1) -> None:
        super().__init__()
        self.act, self.dim = act, dim

    def forward(self, x: Tensor) -> Tensor:
        z0, z1 = x.chunk(2, dim=self.dim)
        a = self.act(z0)
        return torch.cat([a, a + z1], dim=self.dim)


@MODELS.register_module()
class TransparentLayers(nn.Module):
    """k affine layers (Linear or 1x1 conv) with activations, the identity at initialisation.

    Args:
        widths: ``[m_0, m_1, ..., m_k]``, ``m_k = m_0 <= m_i`` (Theorem 1; ValueError else).
            With an activation, hidden layers have 2 m_i channels (duplicate-activate-subtract).
        activation: None (no activation), ``'relu'``, ``'leaky_relu'``, ``'softplus'`` or
            ``'logsigmoid'`` (sigma(x) - sigma(-x) = c x, Eq. 11), or any name of
            ``ACTIVATIONS`` with ``see_through=True``.
        see_through: use the general form ``(x sigma, x sigma - x)`` (works for any sigma).
        conv: 1x1 ``nn.Conv2d`` on (B, C, H, W) if True, else ``nn.Linear`` on (..., C).
        negative_slope: LeakyReLU's slope.
        seed: seed of the TI draw (None: torch's global generator).
        precision: ``'float32'`` or ``'float64'``: the dtype of the parameters and of the
            forward pass (the input is cast, the output cast back, autocast off). In float32
            the identity error is set by the forward's own rounding (about 2e-6 |x| for the
            42-64-64-42 ReLU stack); float64 removes it (Table 3,
            ``tools/analysis/ti_tables.py``) at twice the memory of the hidden maps.
    """

    def __init__(self, widths: Sequence[int], activation: str | None = 'relu',
                 see_through: bool = False, conv: bool = True, negative_slope: float = 0.01,
                 seed: int | None = None, precision: str = 'float32') -> None:
        super().__init__()
        if precision not in ('float32', 'float64'):
            raise ValueError(f'precision={precision!r}: expected "float32" or "float64"')
        self.precision = precision
        self.widths = check_widths(widths)
        if activation is not None and activation not in ACTIVATIONS:
            raise ValueError(f'activation={activation!r}: expected None or one of '
                             f'{sorted(ACTIVATIONS)}')
        if activation is not None and not see_through and activation not in ODD_PART_CONSTANTS:
            raise ValueError(f'activation={activation!r} has no odd linear part '
                             f'(sigma(x) - sigma(-x) != c x): set see_through=True')
        self.activation, self.see_through = activation, see_through
        self.negative_slope, self.seed, self.conv = negative_slope, seed, conv
        mult = 1 if activation is None else 2
        dims = [self.widths[0]] + [mult * w for w in self.widths[1:-1]] + [self.widths[-1]]
        layer = (lambda i, o: nn.Conv2d(i, o, 1)) if conv else nn.Linear
        self.layers = nn.ModuleList(layer(i, o) for i, o in zip(dims[:-1], dims[1:]))
        self.acts = nn.ModuleList()
        for _ in self.layers[:-1]:
            if activation is None:
                self.acts.append(nn.Identity())
            else:
                act = ACTIVATIONS[activation](negative_slope)
                self.acts.append(SeeThroughActivation(act, 1 if conv else -1)
                                 if see_through else act)
        if precision == 'float64':
            self.double()
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Transparent Initialization: the stack becomes the identity map."""
        gen = None
        if self.seed is not None:
            gen = torch.Generator().manual_seed(self.seed)
        act = None if self.activation is None else (
            'general' if self.see_through else self.activation)
        weights = transparent_weights(self.widths, act, self.negative_slope, gen)
        for layer, (w, b) in zip(self.layers, weights):
            layer.weight.copy_(w.view_as(layer.weight))
            layer.bias.copy_(b)

    def init_weights(self) -> None:
        """MMEngine calls this after building: keep (or redo) the TI, never a default init."""
        self.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        """(B, m_0, H, W) (conv) or (..., m_0) (Linear) -> same shape; x at initialisation."""
        if self.precision == 'float32':
            return self._stack(x)
        # autocast would run the convolutions in half precision again
        with torch.autocast(device_type=x.device.type, enabled=False):
            return self._stack(x.double()).to(x.dtype)

    def _stack(self, x: Tensor) -> Tensor:
        for layer, act in zip(self.layers[:-1], self.acts):
            x = act(layer(x))
        return self.layers[-1](x)


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
        activation, see_through, negative_slope, seed, precision: as ``TransparentLayers``.
    """

    def __init__(self, num_classes: int, superpixel_channels: int = 9,
                 hidden: Sequence[int | None] = (None, None), activation: str | None = 'relu',
                 see_through: bool = False, negative_slope: float = 0.01,
                 seed: int | None = None, precision: str = 'float32') -> None:
        super().__init__()
        m0 = num_classes + superpixel_channels
        hidden = [m0 if h is None else int(h) for h in hidden]
        self.num_classes = num_classes
        self.ti = TransparentLayers([m0, *hidden, m0], activation, see_through, conv=True,
                                    negative_slope=negative_slope, seed=seed,
                                    precision=precision)

    def init_weights(self) -> None:
        self.ti.reset_parameters()

    def forward(self, logits: Tensor, superpixel: Tensor) -> Tensor:
        """(B, N_l, H, W) logits and (B, N_sp, H, W) superpixel output -> (B, N_l, H, W)."""
        if logits.shape[-2:] != superpixel.shape[-2:]:
            raise ValueError(f'logits {tuple(logits.shape)} and superpixel output '
                             f'{tuple(superpixel.shape)} must have one spatial size')
        return self.ti(torch.cat([logits, superpixel], 1))[:, :self.num_classes]
