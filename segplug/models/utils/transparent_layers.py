"""Transparent layers (joint superpixel paper, TI, Eq. 3-12; supplementary G).

``TransparentLayers`` is a stack of k >= 2 Linear or 1x1 Conv2d layers with an activation
between them, initialised by ``segplug.ops.transparent_init`` so that it is the identity map
at step 0. A building block (as MMSegmentation keeps its layers in ``models/utils``); the TI
fusion head wires it.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from ...ops.transparent_init import check_widths, transparent_weights
from .precision import float32_compute

# mmcv registers ReLU, LeakyReLU, Sigmoid, Tanh, GELU, ... but not these two odd-part ones
for _act in (nn.Softplus, nn.LogSigmoid):
    if _act.__name__ not in MODELS.module_dict:
        MODELS.register_module(module=_act)

# the activations with sigma(x) - sigma(-x) = c x (Eq. 11), by their registry name
ODD_PART = {
    'ReLU': 'relu',
    'LeakyReLU': 'leaky_relu',
    'Softplus': 'softplus',
    'LogSigmoid': 'logsigmoid',
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
        act_cfg: the activation as mmcv builds it (``build_activation_layer``'s configs,
            through MMSegmentation's registry): None (no activation), ``dict(type='ReLU')``,
            ``'LeakyReLU'`` (with ``negative_slope``), ``'Softplus'`` or ``'LogSigmoid'``
            (sigma(x) - sigma(-x) = c x, Eq. 11), or any activation with ``see_through=True``.
        see_through: use the general form ``(x sigma, x sigma - x)`` (works for any sigma).
        conv: 1x1 ``nn.Conv2d`` on (B, C, H, W) if True, else ``nn.Linear`` on (..., C).
        seed: seed of the TI draw (None: torch's global generator).
        precision: ``'float32'`` or ``'float64'``: the dtype of the parameters and of the
            forward pass (autocast off in both; float64 casts the input and the output back,
            float32 returns float32 under autocast). In float32
            the identity error is set by the forward's own rounding (about 2e-6 |x| for the
            42-64-64-42 ReLU stack); float64 removes it (Table 3,
            ``tools/analysis/ti_tables.py``) at twice the memory of the hidden maps.
    """

    def __init__(
        self,
        widths: Sequence[int],
        act_cfg: dict | None = dict(type='ReLU'),
        see_through: bool = False,
        conv: bool = True,
        seed: int | None = None,
        precision: str = 'float32',
    ) -> None:
        super().__init__()
        if precision not in ('float32', 'float64'):
            raise ValueError(f'precision={precision!r}: expected "float32" or "float64"')
        self.precision = precision
        self.widths = check_widths(widths)
        act_type = None if act_cfg is None else act_cfg.get('type')
        if act_cfg is not None and act_type not in MODELS:
            raise ValueError(f'act_cfg type={act_type!r} is not a registered activation')
        if act_cfg is not None and not see_through and act_type not in ODD_PART:
            raise ValueError(
                f'act_cfg type={act_type!r} has no odd linear part '
                f'(sigma(x) - sigma(-x) != c x): set see_through=True'
            )
        self.act_cfg, self.see_through = act_cfg, see_through
        # the odd-part constant of LeakyReLU depends on its slope (mmcv's default 0.01)
        self.negative_slope = (act_cfg or {}).get('negative_slope', 0.01)
        self.seed, self.conv = seed, conv
        mult = 1 if act_cfg is None else 2
        dims = [self.widths[0]] + [mult * w for w in self.widths[1:-1]] + [self.widths[-1]]
        layer = (lambda i, o: nn.Conv2d(i, o, 1)) if conv else nn.Linear
        self.layers = nn.ModuleList(layer(i, o) for i, o in zip(dims[:-1], dims[1:]))
        self.acts = nn.ModuleList()
        for _ in self.layers[:-1]:
            if act_cfg is None:
                self.acts.append(nn.Identity())
            else:
                act = MODELS.build(dict(act_cfg))
                self.acts.append(
                    SeeThroughActivation(act, 1 if conv else -1) if see_through else act
                )
        if precision == 'float64':
            self.double()
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Transparent Initialization: the stack becomes the identity map."""
        gen = None
        if self.seed is not None:
            gen = torch.Generator().manual_seed(self.seed)
        act = (
            None
            if self.act_cfg is None
            else ('general' if self.see_through else ODD_PART[self.act_cfg['type']])
        )
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
            # autocast off: in float16 the stack is no longer the identity it was made to be
            return float32_compute(self._stack)(x)
        # autocast would run the convolutions in half precision again
        with torch.autocast(device_type=x.device.type, enabled=False):
            return self._stack(x.double()).to(x.dtype)

    def _stack(self, x: Tensor) -> Tensor:
        for layer, act in zip(self.layers[:-1], self.acts):
            x = act(layer(x))
        return self.layers[-1](x)
