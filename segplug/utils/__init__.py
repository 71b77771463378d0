"""Library side of segplug's tools: FLOP counting, environment report, checkpoint
publishing, inference benchmarks.

Submodules are imported where they are used (``from segplug.utils.flops import ...``) so that
``python -m segplug.utils.collect_env`` stays light.
"""
