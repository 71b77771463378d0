"""Transparent Initialization: identity at step 0 for every activation, depth, width and
layer kind; Theorem 1's width condition; the right-inverse."""

from __future__ import annotations

import pytest
import torch

from segplug.models.decode_heads import TIFusionHead
from segplug.models.utils import TransparentLayers
from segplug.ops.transparent_init import (
    check_widths,
    compose,
    right_inverse,
    transparent_affine,
    transparent_weights,
)

WIDTHS = [[5, 5, 5], [4, 7, 4], [3, 6, 9, 3], [6, 6, 8, 11, 6]]
ODD = ['ReLU', 'LeakyReLU', 'Softplus', 'LogSigmoid']


def test_right_inverse() -> None:
    a = torch.randn(4, 9, dtype=torch.float64)
    torch.testing.assert_close(a @ right_inverse(a), torch.eye(4, dtype=torch.float64))


@pytest.mark.parametrize('widths', WIDTHS)
def test_affine_maps_compose_to_identity(widths: list[int]) -> None:
    affines = transparent_affine(widths, torch.Generator().manual_seed(0))
    assert [tuple(a.shape) for a, _ in affines] == list(zip(widths[:-1], widths[1:]))
    mat, bias = compose(affines)
    torch.testing.assert_close(mat, torch.eye(widths[0], dtype=torch.float64))
    torch.testing.assert_close(bias, torch.zeros(widths[0], dtype=torch.float64))


@pytest.mark.parametrize('conv', [False, True])
@pytest.mark.parametrize('widths', WIDTHS)
@pytest.mark.parametrize(
    'activation,see_through',
    [(None, False)]
    + [(a, False) for a in ODD]
    + [(a, True) for a in ['ReLU', 'Sigmoid', 'Tanh', 'GELU', 'Softplus']],
)
def test_layers_are_identity(
    widths: list[int], activation: str | None, see_through: bool, conv: bool
) -> None:
    torch.manual_seed(0)
    act_cfg = activation and dict(type=activation)
    if activation == 'LeakyReLU':
        act_cfg['negative_slope'] = 0.2
    ti = TransparentLayers(widths, act_cfg, see_through, conv=conv)
    m0 = widths[0]
    shape = (3, m0, 4, 5) if conv else (2, 7, m0)
    x = torch.empty(shape).uniform_(-10, 10)
    y = ti(x)
    torch.testing.assert_close(y, x, rtol=0, atol=2e-4)
    # the weights are dense and random, not a disguised identity (Net2Net)
    w = torch.cat([p.flatten() for p in ti.parameters()])
    assert (w.abs() > 1e-4).float().mean() > 0.9
    # the output depends on every layer: perturbing the first breaks the identity
    with torch.no_grad():
        ti.layers[0].weight.add_(0.1)
    assert (ti(x) - x).abs().max() > 1e-2


def test_hidden_layers_double_with_activation() -> None:
    ti = TransparentLayers([3, 6, 9, 3], dict(type='ReLU'), conv=False)
    assert [tuple(l.weight.shape) for l in ti.layers] == [(12, 3), (18, 12), (3, 18)]
    assert [
        tuple(l.weight.shape) for l in TransparentLayers([3, 6, 3], None, conv=False).layers
    ] == [(6, 3), (3, 6)]


def test_float64_layers_are_exact() -> None:
    ti = TransparentLayers(
        [6, 8, 8, 6], dict(type='LeakyReLU', negative_slope=0.1), conv=False
    ).double()
    ti.reset_parameters()  # TI is computed in float64: re-initialising keeps it unrounded
    x = torch.randn(50, 6, dtype=torch.float64) * 100
    torch.testing.assert_close(ti(x), x, rtol=0, atol=1e-10)


@pytest.mark.parametrize('widths', [[4, 3, 4], [4, 8, 2, 4], [4, 5, 3], [4], [4, 4], [0, 1, 0]])
def test_theorem_1_widths_raise(widths: list[int]) -> None:
    with pytest.raises(ValueError, match='widths='):
        check_widths(widths)
    with pytest.raises(ValueError, match='widths='):
        TransparentLayers(widths)


def test_bad_activation_raises() -> None:
    with pytest.raises(ValueError, match="act_cfg type='Tanh' has no odd linear part"):
        TransparentLayers([3, 3, 3], dict(type='Tanh'))  # not odd-part: needs see_through
    with pytest.raises(ValueError, match="act_cfg type='Swishy' is not a registered"):
        TransparentLayers([3, 3, 3], dict(type='Swishy'), see_through=True)
    with pytest.raises(ValueError, match="activation='swishy'"):
        transparent_weights([3, 3, 3], 'swishy')


def test_seed_reproducible_and_random() -> None:
    a = TransparentLayers([3, 5, 3], seed=1).layers[0].weight
    b = TransparentLayers([3, 5, 3], seed=1).layers[0].weight
    c = TransparentLayers([3, 5, 3], seed=2).layers[0].weight
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_fusion_head_returns_logits_at_init() -> None:
    torch.manual_seed(0)
    head = TIFusionHead(num_classes=5, superpixel_channels=9, hidden=(None, 20))
    logits, sp = torch.randn(2, 5, 6, 7) * 5, torch.rand(2, 9, 6, 7)
    out = head(logits, sp)
    torch.testing.assert_close(out, logits, rtol=0, atol=1e-4)
    out.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in head.parameters())
    with pytest.raises(ValueError, match='widths='):
        TIFusionHead(num_classes=5, hidden=(10,))


def test_leaky_relu_constant_is_one_plus_slope() -> None:
    """sigma(x) - sigma(-x) = (1 + d) x for LeakyReLU: c = 1 + d, by which the layers
    divide, as the paper's Eq. 12 (its factor 1 / (1 + d)). The supplementary's c = 1 / d
    (Sec. G) does not give the identity."""
    from segplug.ops.transparent_init import expand_for_activation

    slope = 0.2
    x = torch.linspace(-5, 5, 11, dtype=torch.float64).view(-1, 1).repeat(1, 3)
    affines = transparent_affine([3, 4, 3], torch.Generator().manual_seed(0))
    act = torch.nn.LeakyReLU(slope)

    def run(c: float) -> torch.Tensor:
        (w1, b1), (w2, b2) = expand_for_activation(affines, c)
        return act(x @ w1.mT + b1) @ w2.mT + b2

    torch.testing.assert_close(run(1 + slope), x)
    assert (run(1 / slope) - x).abs().max() > 0.1


def test_float64_precision_returns_input_dtype() -> None:
    """precision='float64': float64 parameters and forward, the caller's dtype back; the
    identity then holds to float32 rounding of the output even at large magnitudes."""
    ti = TransparentLayers([6, 9, 9, 6], dict(type='ReLU'), conv=True, seed=0, precision='float64')
    assert all(p.dtype == torch.float64 for p in ti.parameters())
    x = torch.empty(2, 6, 5, 4).uniform_(-1e3, 1e3)
    y = ti(x)
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, x, rtol=1e-7, atol=1e-9)
    with pytest.raises(ValueError, match="precision='half'"):
        TransparentLayers([3, 3, 3], precision='half')
