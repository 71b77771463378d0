"""Registered models: backbones, segmentors, heads, losses."""
from .backbones import *  # noqa: F401,F403
from .segmentors import *  # noqa: F401,F403
