"""Devices every device-aware test runs on: ``cpu`` always, ``cuda`` where a GPU is present.

A ``cuda`` case skips where ``torch.cuda.is_available()`` is false: the one allowed skip.
Parity tests compute a reference on the CPU in float64 and the result on the device in
float32, with TF32 turned off (:func:`no_tf32`), so the stated tolerances are float32's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import torch

HAS_CUDA = torch.cuda.is_available()
DEVICES = [
    'cpu',
    pytest.param(
        'cuda',
        marks=[pytest.mark.cuda, pytest.mark.skipif(not HAS_CUDA, reason='no CUDA device here')],
    ),
]


@contextlib.contextmanager
def no_tf32() -> Iterator[None]:
    """Full float32 matmuls and convolutions on CUDA (TF32 keeps only 10 mantissa bits)."""
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> Iterator[torch.device]:
    """``torch.device('cpu')`` and, where present, ``torch.device('cuda')``; TF32 off."""
    with no_tf32():
        yield torch.device(request.param)
