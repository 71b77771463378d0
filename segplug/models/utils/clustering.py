"""The soft clustering module of the HC paper (App. B) and the features that carry it."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn as nn
from torch import Tensor

from ...ops import soft_assign
from .precision import float32_compute


class HCFeatures(tuple):
    """A backbone's multi-scale features (a plain tuple to any head) plus ``assignments``.

    ``assignments`` are (B, 9, H_l, W_l) soft assignments ordered coarse to fine: the first
    decodes the coarsest feature stride to half of it, and so on (HC paper, Eq. 3).
    """

    assignments: list[Tensor]

    def __new__(cls, feats, assignments: list[Tensor]) -> 'HCFeatures':
        obj = super().__new__(cls, feats)
        obj.assignments = assignments
        return obj


def require_assignments(feats: Any, owner: str, producer: str) -> list[Tensor]:
    """The cluster assignments ``feats`` carry, or a ValueError naming who dropped them.

    Without them an HC model would silently become bilinear upsampling; a plain neck, or a
    tuple rebuilt from the features, is the usual cause.
    """
    if not isinstance(feats, HCFeatures):
        raise ValueError(
            f'{owner}: the features from {producer} carry no cluster assignments '
            f'(got a plain {type(feats).__name__}): {producer} dropped them. Use '
            'an HC backbone (HCResNet, HCTimmBackbone) and, between it and the '
            'heads, only necks that pass HCFeatures on (HCFPN).'
        )
    return feats.assignments


class SoftClustering(nn.Module):
    """Soft assignment of stride-s pixels to the seeds of the stride-2s map (Eq. 4).

    Args:
        fine_channels: N, channels of the pixel features x^(s).
        seed_channels: M, channels of the downsampled map s^(2s).
        dim: K, dimension of the projections W, W~ (paper: 64).
        tau: temperature (paper: 0.07).
        learnable_tau: learn log(tau) instead of fixing it.
    """

    def __init__(
        self,
        fine_channels: int,
        seed_channels: int,
        dim: int = 64,
        tau: float = 0.07,
        learnable_tau: bool = False,
    ) -> None:
        super().__init__()
        if tau <= 0:
            raise ValueError(f'tau must be positive, got {tau}')
        self.proj = nn.Conv2d(fine_channels, dim, 1, bias=False)  # W^(s)
        self.seed_proj = nn.Conv2d(seed_channels, dim, 1, bias=False)  # W~^(2s)
        log_tau = torch.tensor(math.log(tau))
        if learnable_tau:
            self.log_tau = nn.Parameter(log_tau)
        else:
            self.register_buffer('log_tau', log_tau, persistent=False)

    @property
    def tau(self) -> Tensor:
        return self.log_tau.exp()

    @float32_compute  # softmax over similarities / 0.07: float32 under autocast
    def forward(self, feats: Tensor, seeds: Tensor) -> Tensor:
        """(B, N, H, W), (B, M, ceil(H/2), ceil(W/2)) -> (B, 9, H, W) float32 assignment."""
        return soft_assign(self.proj(feats), self.seed_proj(seeds), self.tau)
