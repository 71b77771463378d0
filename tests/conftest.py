"""Shared fixtures (defined in tests/helpers.py and tests/devices.py, which tests also
import helpers from)."""

from tests.devices import device  # noqa: F401
from tests.helpers import demo_data, test_data  # noqa: F401
