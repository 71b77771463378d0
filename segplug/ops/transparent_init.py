"""Transparent Initialization (TI) of a stack of affine layers (joint superpixel paper,
Eq. 3-12 and supplementary B-G).

Convention of the paper: row vectors, an affine map is ``x -> x @ A + b`` with ``A`` of
shape (m_in, m_out). ``transparent_affine`` draws k - 1 random affine maps and sets the k-th
to the right-inverse of their composition, so the k maps compose to the identity.
``expand_for_activation`` rewrites them for layers with an activation in between through
duplicate-activate-subtract (Eq. 5-10): each hidden layer outputs ``[z, -z]`` before its
activation, and the next layer subtracts the two halves. The parameters only *start* in this
form; training moves every entry freely.

Weights are returned in torch's ``nn.Linear`` / 1x1 ``nn.Conv2d`` layout, (m_out, m_in), and
computed in float64: the right-inverse is the ill-conditioned step, and doing it in float64
before one rounding to the layer's dtype is what keeps the identity error at the rounding
level of the forward pass itself (``tools/analysis/ti_tables.py``, Table 3).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor

# sigma(x) - sigma(-x) = c x (Eq. 11, 46) for these activations; c as a function of the
# activation's parameter (LeakyReLU's negative slope). For LeakyReLU with slope d:
# x > 0 gives x - d(-x) = (1 + d) x, so c = 1 + d. The paper's Eq. 12 says the same: it
# multiplies the subtracted halves by 1 / (1 + d), which is dividing by c, as
# expand_for_activation does. Only the supplementary (Sec. G, after Eq. 46) states another
# constant, c = 1 / d, which fails the identity (tests/ops/test_transparent_init.py).
ODD_PART_CONSTANTS = {
    'relu': lambda slope: 1.0,
    'leaky_relu': lambda slope: 1.0 + slope,
    'softplus': lambda slope: 1.0,
    'logsigmoid': lambda slope: 1.0,
}


def check_widths(widths: Sequence[int]) -> list[int]:
    """Validate TI widths ``[m_0, m_1, ..., m_k]`` (Theorem 1); return them as a list.

    Raises:
        ValueError: fewer than 2 layers, ``m_k != m_0``, or a hidden ``m_i < m_0`` (then the
            composition of the first k - 1 random maps has rank < m_0 and no right-inverse).
    """
    widths = [int(w) for w in widths]
    if len(widths) < 3:
        raise ValueError(
            f'widths={widths}: TI needs k >= 2 layers, i.e. at least 3 widths [m_0, m_1, m_2]'
        )
    if any(w < 1 for w in widths):
        raise ValueError(f'widths={widths}: every width must be >= 1')
    if widths[-1] != widths[0]:
        raise ValueError(
            f'widths={widths}: the last width m_k={widths[-1]} must equal the '
            f'input width m_0={widths[0]} for an identity map'
        )
    small = [(i, w) for i, w in enumerate(widths[1:-1], 1) if w < widths[0]]
    if small:
        raise ValueError(
            f'widths={widths}: hidden widths {small} (index, width) are below '
            f'm_0={widths[0]}; Theorem 1 needs m_i >= m_0 for a right-inverse'
        )
    return widths


def right_inverse(matrix: Tensor) -> Tensor:
    """Right-inverse ``A^R = A^T (A A^T)^-1`` of an (m, n) matrix of rank m <= n (Eq. 4).

    Solved with a Cholesky-free ``torch.linalg.solve`` rather than an explicit inverse.
    """
    gram = matrix @ matrix.mT
    return torch.linalg.solve(gram, matrix).mT


def compose(affines: Sequence[tuple[Tensor, Tensor]]) -> tuple[Tensor, Tensor]:
    """Composition ``x A_1 A_2 ...`` of affine maps given as ``(A (m_in, m_out), b (m_out,))``."""
    mat, bias = affines[0]
    for a, b in affines[1:]:
        mat, bias = mat @ a, bias @ a + b
    return mat, bias


def transparent_affine(
    widths: Sequence[int],
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
    compute_dtype: torch.dtype = torch.float64,
) -> list[tuple[Tensor, Tensor]]:
    """Random affine maps ``A_1 ... A_k`` composing to the identity (supplementary C-D).

    ``A_i`` ~ N(0, 1/m_i), ``b_i`` ~ N(0, 1) for i < k; ``A_k`` = right-inverse of their
    composition (homogeneous form, Eq. 20): matrix ``P^R``, bias ``-c P^R``.

    Args:
        widths: ``[m_0, ..., m_k]`` with ``m_k = m_0 <= m_i`` (checked, Theorem 1).
        dtype: of the returned maps.
        compute_dtype: of the composition and right-inverse (float32 only to show what
            float64 buys, ``tools/analysis/ti_tables.py``).
    Returns:
        k pairs ``(A_i (m_{i-1}, m_i), b_i (m_i,))`` in ``dtype`` (row-vector convention).
    """
    widths = check_widths(widths)
    affines = []
    for m_in, m_out in zip(widths[:-2], widths[1:-1]):
        a = torch.randn(m_in, m_out, generator=generator, dtype=torch.float64) / math.sqrt(m_out)
        b = torch.randn(m_out, generator=generator, dtype=torch.float64)
        affines.append((a.to(compute_dtype), b.to(compute_dtype)))
    mat, bias = compose(affines)
    inv = right_inverse(mat)
    affines.append((inv, -bias @ inv))
    return [(a.to(dtype), b.to(dtype)) for a, b in affines]


def expand_for_activation(
    affines: Sequence[tuple[Tensor, Tensor]], c: float = 1.0
) -> list[tuple[Tensor, Tensor]]:
    """Layers with an activation between them that still compose to the identity (Eq. 8-10).

    The first layer is ``[A_1 | -A_1]`` (Eq. 8), middle layers ``[[A, -A], [-A, A]] / c``
    (Eq. 9: subtract the halves, apply A_i, duplicate), the last ``[[A_k], [-A_k]] / c``
    (Eq. 10). ``c`` is the activation's odd-part constant, sigma(x) - sigma(-x) = c x; use
    c = 1 with the general see-through activation (``x sigma, x sigma - x``, Fig. 11b).

    Args:
        affines: k maps ``(A_i (m_{i-1}, m_i), b_i)`` from ``transparent_affine``.
    Returns:
        k pairs ``(weight (out, in), bias (out,))`` in torch layer layout, hidden widths
        doubled: 2 m_i.
    """
    if c == 0:
        raise ValueError('c=0: the activation has no odd linear part to recover x from')
    k = len(affines)
    layers = []
    for i, (a, b) in enumerate(affines):
        if i > 0:  # undo the previous duplication: (x+, x-) -> (x+ - x-) / c
            a = torch.cat([a, -a], 0) / c
        if i < k - 1:  # duplicate for the activation: z -> [z, -z]
            a, b = torch.cat([a, -a], 1), torch.cat([b, -b])
        layers.append((a.mT.contiguous(), b.clone()))
    return layers


def transparent_weights(
    widths: Sequence[int],
    activation: str | None = 'relu',
    negative_slope: float = 0.01,
    generator: torch.Generator | None = None,
    compute_dtype: torch.dtype = torch.float64,
) -> list[tuple[Tensor, Tensor]]:
    """TI weights in torch layout (float64) for a stack with ``activation`` between layers.

    Args:
        widths: ``[m_0, ..., m_k]`` (Theorem 1 checked).
        activation: None (plain affine stack, widths as given), one of ``ODD_PART_CONSTANTS``
            (duplicate-activate-subtract, hidden widths doubled), or ``'general'`` (the
            see-through form ``(x sigma, x sigma - x)`` of supplementary G, any sigma; hidden
            widths doubled).
        negative_slope: LeakyReLU's slope (for c = 1 + slope).
        compute_dtype: of the right-inverse (see ``transparent_affine``).
    Returns:
        k pairs ``(weight (out, in), bias (out,))``.
    """
    affines = transparent_affine(widths, generator, compute_dtype=compute_dtype)
    if activation is None:
        return [(a.mT.contiguous(), b) for a, b in affines]
    if activation == 'general':
        return expand_for_activation(affines, 1.0)
    if activation not in ODD_PART_CONSTANTS:
        raise ValueError(
            f'activation={activation!r}: expected None, "general" or one of '
            f'{sorted(ODD_PART_CONSTANTS)}'
        )
    return expand_for_activation(affines, ODD_PART_CONSTANTS[activation](negative_slope))
