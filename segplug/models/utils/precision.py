"""Islands of float32 inside mixed-precision (autocast) training.

Under ``--amp`` MMEngine runs the model inside ``torch.autocast``: convolutions and matmuls
in float16 / bfloat16. A few of segplug's computations must stay in float32:

* soft clustering (HC Eq. 4): a softmax over 9 cosine similarities divided by tau = 0.07,
  i.e. logits in [-14.3, 14.3]; in float16 the similarities carry ~3 significant digits,
  which after the division moves a weight by several percent.
* DCNv2 sampling: the sampling coordinates are pixel positions; at 2048 pixels float16
  resolves 2 px and bfloat16 16 px, so every sample would land on the wrong pixel.
* KL divergence (CPP-KL), UOI / IoU ratios and the metric-learning loss: sums over a whole
  batch of pixels (or of pairs), which overflow or lose all precision in float16.
* logit consistency: superpixel means of logits, counts of up to thousands of pixels.

``torch.amp.custom_fwd(cast_inputs=torch.float32)`` does this for one device type fixed at
decoration time; segplug's modules run under CPU (bfloat16) and CUDA autocast alike, so
:func:`float32_compute` checks both.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable, TypeVar

import torch

F = TypeVar('F', bound=Callable[..., Any])
AUTOCAST_DEVICES = ('cuda', 'cpu')


def _to_float32(x: Any) -> Any:
    if isinstance(x, torch.Tensor) and x.dtype in (torch.float16, torch.bfloat16):
        return x.float()
    return x


def autocast_active() -> list[str]:
    """Device types on which autocast is enabled right now (e.g. ``['cuda']``)."""
    return [d for d in AUTOCAST_DEVICES if torch.is_autocast_enabled(d)]


def float32_compute(fn: F) -> F:
    """Run ``fn`` in float32: autocast off, float16 / bfloat16 tensor arguments cast up.

    Outside autocast the call is untouched (no cast, no copy), so float64 tests and plain
    float32 training compute exactly what they did. Only top-level tensor arguments are
    cast; the result is returned in whatever dtype ``fn`` computes (float32).
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        active = autocast_active()
        if not active:
            return fn(*args, **kwargs)
        with contextlib.ExitStack() as stack:
            for device in active:
                stack.enter_context(torch.autocast(device, enabled=False))
            return fn(
                *(_to_float32(a) for a in args), **{k: _to_float32(v) for k, v in kwargs.items()}
            )

    return wrapper  # type: ignore[return-value]
