"""Building an upsampler from its config."""

from __future__ import annotations

from mmseg.registry import MODELS
from torch import nn


def build_upsampler(cfg: dict, channels: int) -> nn.Module:
    """An upsampler for ``channels``-channel maps from ``cfg`` (e.g. ``dict(type='DySample')``).

    ``channels`` is filled in by the head that owns the step; a config must not set it.
    """
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ValueError(
            f'upsampler must be a dict with a type (BilinearUpsampler, HCUpsampler, '
            f'DySample, CARAFEUpsampler), got {cfg!r}'
        )
    if 'channels' in cfg:
        raise ValueError(f'upsampler={cfg!r}: channels is set by the head, leave it out')
    return MODELS.build(dict(cfg, channels=channels))
