"""segplug/deployment/benchmark.py: interleaving, summary, the table, peak memory."""

from __future__ import annotations

import numpy as np
import pytest

from segplug.deployment.benchmark import (
    ModelResult,
    _measure_peak,
    interleaved_times,
    markdown_table,
    summarise,
)


def test_interleaved_times_alternate_order() -> None:
    calls = []
    engines = {name: (lambda name=name: calls.append(name)) for name in 'abc'}
    times = interleaved_times(engines, rounds=3, warmup=1)
    assert calls == list('abc') + list('abc') + list('cba') + list('abc')
    assert {k: len(v) for k, v in times.items()} == {'a': 3, 'b': 3, 'c': 3}
    with pytest.raises(ValueError, match='rounds'):
        interleaved_times(engines, rounds=0)


def test_summary_and_table() -> None:
    psp = summarise('pspnet', {'pytorch': [30.0, 10.0, 20.0], 'onnxruntime': [10.0, 8.0, 12.0]})
    assert psp.ms == {'pytorch': 20.0, 'onnxruntime': 10.0} and psp.speedup == 2.0
    hc = ModelResult(
        'hcpspnet',
        {'pytorch': 5.0, 'onnxruntime': 2.0},
        {},
        peak_mb={'pytorch': 100.0, 'onnxruntime': 50.0},
        max_abs_diff=3e-6,
    )
    table = markdown_table([psp, hc]).splitlines()
    assert table[0].count('|') == table[1].count('|') == table[2].count('|') == 10
    assert table[3] == ('| hcpspnet | 5 | 2 | 2.50x | 100 | 50 | 3.0e-06 | 4.00x | 5.00x |')


def test_measure_peak_onnxruntime(tmp_path) -> None:
    """The spawned measurement, in this process: an ONNX model of a 1 MB activation."""
    onnx = pytest.importorskip('onnx')
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node('Tile', ['img', 'reps'], ['out'])],
        'tile',
        [helper.make_tensor_value_info('img', TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info('out', TensorProto.FLOAT, None)],
        [helper.make_tensor('reps', TensorProto.INT64, [4], [64, 1, 1, 1])],
    )
    path = str(tmp_path / 'tile.onnx')
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)]), path)
    img = np.zeros((1, 3, 8, 8), np.float32)
    assert _measure_peak('onnxruntime', '', None, None, path, img, 1, 1) >= 0
