"""Deployment: a segmentor's inference path exported to ONNX and run in ONNX Runtime.

``wrapper`` (pixels -> logits or labels), ``rewrites`` (export-friendly equivalents of ops
that do not export, applied only while exporting), ``export`` (export, checks, parity with
PyTorch), ``ort_runner`` (ONNX Runtime sessions, frames), ``benchmark`` (interleaved
timing and peak memory). The tools are ``tools/deployment/pytorch2onnx.py`` and
``tools/deployment/onnx_benchmark.py``.
"""

from .export import (
    MIN_OPSET,
    ExportError,
    ExportResult,
    Parity,
    check_model,
    check_parity,
    compare,
    export_onnx,
)
from .ort_runner import OrtRunner, profile_summary, read_frame
from .rewrites import REWRITES, export_rewrites, register_rewrite
from .wrapper import ExportWrapper, build_segmentor, load_strict

__all__ = [
    'MIN_OPSET',
    'ExportError',
    'ExportResult',
    'Parity',
    'check_model',
    'check_parity',
    'compare',
    'export_onnx',
    'OrtRunner',
    'profile_summary',
    'read_frame',
    'REWRITES',
    'export_rewrites',
    'register_rewrite',
    'ExportWrapper',
    'build_segmentor',
    'load_strict',
]
