"""Shared fixtures (defined in tests/helpers.py, which tests also import helpers from)."""
from tests.helpers import demo_data, test_data  # noqa: F401
