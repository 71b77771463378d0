"""Shared fixtures (defined in tests/helpers.py and tests/devices.py, which tests also
import helpers from), one torch thread per pytest-xdist worker, and configs dumped without
yapf."""

import os

import mmengine.config.config as mmengine_config
import torch

from tests.devices import device  # noqa: F401
from tests.helpers import demo_data, test_data  # noqa: F401

if os.environ.get('PYTEST_XDIST_WORKER'):
    # n workers already use the n cores: more threads each would only contend
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


def _unformatted(text: str, style_config: object = None, **kwargs: object) -> tuple[str, bool]:
    """MMEngine formats every dumped or logged config with yapf: 1-2 s a call, several calls
    per Runner, ~150 Runners in the suite. The unformatted text is the same Python."""
    return text, False


mmengine_config.FormatCode = _unformatted
