"""Running an exported model in ONNX Runtime, and reading a frame the way the model expects.

onnxruntime is imported when a runner is made, so ``segplug.deployment`` imports without it.
"""

from __future__ import annotations

import json
import os.path as osp
from collections import defaultdict
from collections.abc import Sequence

import cv2
import numpy as np


def read_frame(path: str, shape: Sequence[int] | None = None) -> np.ndarray:
    """(1, 3, H, W) float32 BGR pixels of an image file, as ``LoadImageFromFile`` reads it
    (then channels first); resized bilinearly to ``shape`` = (H, W) if given."""
    img = cv2.imread(path)
    if img is None:
        raise FileNotFoundError(f'{path}: no image OpenCV can read')
    if shape is not None:
        h, w = int(shape[0]), int(shape[1])
        if img.shape[:2] != (h, w):
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(img.transpose(2, 0, 1)[None], dtype=np.float32)


class OrtRunner:
    """An ONNX Runtime session on an exported segplug model: ``runner(img) -> output``.

    Args:
        path: the .onnx file.
        threads: intra-op threads (None: ONNX Runtime's default, one per physical core).
        providers: execution providers in order of preference (CPU here; e.g.
            ``['CUDAExecutionProvider', 'CPUExecutionProvider']`` with onnxruntime-gpu).
        profile: write ONNX Runtime's per-node profile (see :meth:`profile_summary`).
    """

    def __init__(
        self,
        path: str,
        threads: int | None = None,
        providers: Sequence[str] = ('CPUExecutionProvider',),
        profile: bool = False,
    ) -> None:
        import onnxruntime as ort

        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: ONNX model not found')
        missing = [p for p in providers if p not in ort.get_available_providers()]
        if missing:
            raise ValueError(
                f'execution providers {missing} are not in this onnxruntime '
                f'build (available: {ort.get_available_providers()})'
            )
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads is not None:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        opts.enable_profiling = profile
        if profile:
            opts.profile_file_prefix = osp.splitext(path)[0] + '_profile'
        self.path, self.threads = path, threads
        self.session = ort.InferenceSession(path, opts, providers=list(providers))
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, img: np.ndarray) -> np.ndarray:
        """(B, 3, H, W) float32 pixels -> the model's single output."""
        return self.session.run(None, {self.input_name: img})[0]

    def end_profiling(self) -> str:
        """Stop profiling; the path of the JSON trace."""
        return self.session.end_profiling()


def profile_summary(trace: str, top: int = 12) -> list[tuple[str, float, int]]:
    """(op type, share of node time, node count) for the ``top`` op types of an ONNX
    Runtime profile, over all runs in it: which nodes dominate."""
    with open(trace) as f:
        events = json.load(f)
    total: dict[str, float] = defaultdict(float)
    nodes: dict[str, set] = defaultdict(set)
    for e in events:
        if e.get('cat') == 'Node' and e.get('name', '').endswith('_kernel_time'):
            op = e.get('args', {}).get('op_name', '?')
            total[op] += e['dur']
            nodes[op].add(e['name'])
    all_time = sum(total.values()) or 1.0
    ranked = sorted(total.items(), key=lambda kv: -kv[1])[:top]
    return [(op, t / all_time, len(nodes[op])) for op, t in ranked]
