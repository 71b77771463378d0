"""ONNX Runtime against PyTorch on the same model and frame: interleaved timing, peak memory.

Timing runs every engine once per round, the order reversed every other round, so that a
machine whose load changes (shared cores, thermal limits) slows all engines alike; the
result is the median per engine. Peak memory is measured in a fresh process per engine
(spawned, so no allocator state or arena is shared): the peak resident set size while the
engine is built and runs the frame, minus the process's resident size after its imports.
"""

from __future__ import annotations

import multiprocessing
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


def interleaved_times(
    engines: dict[str, Callable[[], object]], rounds: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Milliseconds per call of each engine over ``rounds`` rounds (after ``warmup``
    untimed rounds); each round calls every engine once, in reversed order every other
    round."""
    if rounds < 1:
        raise ValueError(f'rounds must be >= 1, got {rounds}')
    names = list(engines)
    for _ in range(warmup):
        for name in names:
            engines[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            start = time.perf_counter()
            engines[name]()
            times[name].append(1000 * (time.perf_counter() - start))
    return times


def _status_mb(field_name: str) -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field_name + ':'):
                return int(line.split()[1]) / 1024
    raise OSError(f'/proc/self/status has no {field_name}')


def _reset_peak() -> bool:
    """Reset the process's peak RSS (Linux >= 4.0); False where that is not possible."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    try:
        return _status_mb('VmHWM')
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure_peak(
    engine: str,
    config: str,
    checkpoint: str | None,
    cfg_options: dict | None,
    onnx_path: str | None,
    img: np.ndarray,
    threads: int,
    runs: int,
) -> float:
    """In a fresh process: peak RSS over building ``engine`` and running it, in MB above
    the RSS after imports."""
    import onnxruntime  # noqa: F401  (both engines measured after the same imports)
    import torch

    import segplug  # noqa: F401
    from segplug.deployment.ort_runner import OrtRunner
    from segplug.deployment.wrapper import ExportWrapper, build_segmentor

    torch.set_num_threads(threads)
    _reset_peak()
    baseline = _status_mb('VmRSS')
    if engine == 'onnxruntime':
        runner = OrtRunner(onnx_path, threads=threads)
        for _ in range(runs):
            runner(img)
    else:
        wrapper = ExportWrapper(build_segmentor(config, checkpoint, cfg_options))
        x = torch.from_numpy(img)
        with torch.no_grad():
            for _ in range(runs):
                wrapper(x)
    return _peak_mb() - baseline


def peak_memory_mb(
    engine: str,
    config: str,
    checkpoint: str | None,
    cfg_options: dict | None,
    onnx_path: str | None,
    img: np.ndarray,
    threads: int,
    runs: int = 2,
) -> float:
    """Peak memory (MB) of ``engine`` (``'pytorch'`` or ``'onnxruntime'``) building the
    model and running ``img`` ``runs`` times, in a spawned process."""
    if engine not in ('pytorch', 'onnxruntime'):
        raise ValueError(f'engine must be "pytorch" or "onnxruntime", got {engine!r}')
    with multiprocessing.get_context('spawn').Pool(1) as pool:
        return pool.apply(
            _measure_peak, (engine, config, checkpoint, cfg_options, onnx_path, img, threads, runs)
        )


@dataclass
class ModelResult:
    """One model's row: median ms and peak MB per engine, and the parity of the outputs."""

    name: str
    ms: dict[str, float]
    ms_all: dict[str, list[float]]
    peak_mb: dict[str, float] = field(default_factory=dict)
    max_abs_diff: float = float('nan')
    label_agreement: float = float('nan')

    @property
    def speedup(self) -> float:
        """PyTorch ms / ONNX Runtime ms."""
        return self.ms['pytorch'] / self.ms['onnxruntime']


def summarise(name: str, times: dict[str, list[float]]) -> ModelResult:
    """Median per engine of ``times`` = {'pytorch': [...], 'onnxruntime': [...]}."""
    return ModelResult(name, {k: statistics.median(v) for k, v in times.items()}, times)


def markdown_table(results: list[ModelResult]) -> str:
    """The README table: ms/image, speed-up, peak MB, parity; the last two columns compare
    every model with the first one listed (its time / this model's), in each engine."""
    ref = results[0]
    lines = [
        '| model | PyTorch ms | ORT ms | ORT speed-up | PyTorch peak MB | ORT peak MB '
        f'| max abs diff | vs {ref.name}: PyTorch | vs {ref.name}: ORT |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    for r in results:
        mem = [f'{r.peak_mb[k]:.0f}' if k in r.peak_mb else '-' for k in ('pytorch', 'onnxruntime')]
        lines.append(
            f'| {r.name} | {r.ms["pytorch"]:.0f} | {r.ms["onnxruntime"]:.0f} '
            f'| {r.speedup:.2f}x | {mem[0]} | {mem[1]} | {r.max_abs_diff:.1e} '
            f'| {ref.ms["pytorch"] / r.ms["pytorch"]:.2f}x '
            f'| {ref.ms["onnxruntime"] / r.ms["onnxruntime"]:.2f}x |'
        )
    return '\n'.join(lines)
