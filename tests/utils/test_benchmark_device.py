"""segplug.utils.benchmark names the model's own CUDA device (``cuda:1`` is not the current
device) in every synchronisation and peak-memory call; checked without a GPU by recording
the calls on a stand-in model whose parameter says it lives on cuda:1."""

from __future__ import annotations

import pytest
import torch

from segplug.utils import benchmark
from tests.helpers import REPO


class _OnCuda1:
    """Enough of a model for the benchmark loops: one 'parameter' on cuda:1, a no-op step."""

    class _Param:
        device = torch.device('cuda', 1)
        is_cuda = True

    def parameters(self):
        yield self._Param()

    def test_step(self, data: dict) -> None:
        pass


def test_frame_benchmark_synchronises_and_reads_memory_of_the_models_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, object]] = []
    for name in ('synchronize', 'reset_peak_memory_stats'):
        monkeypatch.setattr(torch.cuda, name, lambda d=None, n=name: calls.append((n, d)))
    monkeypatch.setattr(
        torch.cuda, 'max_memory_allocated', lambda d=None: calls.append(('max', d)) or 2**20
    )
    result = benchmark.fixed_frame_benchmark(
        _OnCuda1(), str(REPO / benchmark.DEMO_FRAME), (32, 48), warmup=1, iters=2, repeat=1
    )
    assert calls, 'no CUDA call made for a model on cuda:1'
    assert {d for _, d in calls} == {torch.device('cuda', 1)}, calls
    assert [n for n, _ in calls].count('synchronize') == 3  # 1 warm-up + 2 timed steps
    assert result['peak_memory_mb'] == 1.0 and 'cuda:1' in result['peak_memory_kind']
