"""segplug.utils.benchmark.benchmark_config (tools/benchmark.py): consistent timings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from segplug.utils.benchmark import DEMO_FRAME, benchmark_config, format_result
from tests.helpers import REPO, run_tool

pytestmark = pytest.mark.slow  # tools run as subprocesses

DEMO = str(REPO / 'configs/demo/fcn32_r18-v1c_1xb4-500i_camvid-demo-256x256.py')


def test_benchmark_cpu() -> None:
    r = benchmark_config(
        DEMO,
        shape=[64, 96],
        warmup=1,
        iters=3,
        repeat=2,
        device='cpu',
        image=str(REPO / DEMO_FRAME),
    )
    printed = format_result(r)
    assert r['input'] == [1, 3, 64, 96]
    assert len(r['repeat_medians_ms']) == 2
    assert r['ms_per_image_p10'] <= r['ms_per_image_median'] <= r['ms_per_image_p90']
    assert r['fps'] == pytest.approx(1000 / r['ms_per_image_median'])
    assert 'CPU' in r['device'] and r['peak_memory_mb'] > 0
    assert f'fps         {r["fps"]:.2f}' in printed


def test_benchmark_loads_checkpoint_and_reports_bad_path(tmp_path: Path) -> None:
    import torch
    from mmengine.config import Config
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules

    register_all_modules()
    model = MODELS.build(Config.fromfile(DEMO).model)
    ckpt = tmp_path / 'm.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    out = tmp_path / 'bench.json'
    proc = run_tool(
        [
            sys.executable,
            'tools/benchmark.py',
            DEMO,
            str(ckpt),
            '--shape',
            '64',
            '--warmup',
            '0',
            '--iters',
            '1',
            '--repeat',
            '1',
            '--device',
            'cpu',
            '--json',
            str(out),
        ]
    )
    r = json.loads(out.read_text())
    assert f'fps         {r["fps"]:.2f}' in proc.stdout
    assert r['checkpoint'] == str(ckpt) and r['input'] == [1, 3, 64, 64]
    proc = run_tool([sys.executable, 'tools/benchmark.py', 'configs/nope.py'], check=False)
    assert proc.returncode != 0 and 'config file not found: configs/nope.py' in proc.stderr
