"""Shared fixtures (defined in tests/helpers.py and tests/devices.py, which tests also
import helpers from), and one torch thread per pytest-xdist worker."""

import os

import torch

from tests.devices import device  # noqa: F401
from tests.helpers import demo_data, test_data  # noqa: F401

if os.environ.get('PYTEST_XDIST_WORKER'):
    # n workers already use the n cores: more threads each would only contend
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))
