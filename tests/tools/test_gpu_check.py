"""tools/gpu_check.sh's dry run (--device cpu --quick): every stage runs and reports, so the
prepared GPU command cannot rot between GPU sessions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from tests.helpers import run_tool

pytestmark = pytest.mark.slow  # tools run as subprocesses


def test_dry_run_writes_every_stage(tmp_path: Path) -> None:
    out = tmp_path / 'out'
    proc = run_tool(
        ['bash', 'tools/gpu_check.sh', '--device', 'cpu', '--quick', '--out', str(out)], timeout=900
    )
    summary = json.loads((out / 'device_check.json').read_text())
    st = summary['stages']
    assert set(st) == {'tests', 'amp', 'hc_speed', 'benchmark'}, proc.stdout[-2000:]
    assert st['tests']['tests'] >= 1 and st['tests']['failures'] == 0
    amp = st['amp']['results']
    assert [r['family'] for r in amp] == ['HCFCN-32', 'CPP-KL']
    assert all(r['finite'] and r['amp'] == 'bfloat16' and len(r['losses']) == 1 for r in amp)
    speed = [r for r in st['hc_speed']['rows'] if 'time_ratio' in r]
    assert [(r['baseline'], r['hc']) for r in speed] == [
        ('fcn32_r18-v1c.py', 'hcfcn32_r18-v1c.py'),
        ('atrousfcn_r18-v1c-d8.py', 'hcfcn32_r18-v1c.py'),
    ]
    assert all(r['time_ratio'] > 0 and r['dtype'] == 'float32' for r in speed)
    ceiling = [r for r in st['hc_speed']['rows'] if 'ceiling_time_ratio' in r]
    assert [r['plain'] for r in ceiling] == ['fcn32_r18-v1c.py']
    assert st['benchmark']['returncode'] == 0 and 'result' in st['benchmark']
    md = (out / 'device_check.md').read_text()
    for heading in ('## AMP training', '## HC speed', '| HCFCN-32 | bfloat16 | 1 |'):
        assert heading in md
    assert (out / 'hc_speed.log').is_file() and (out / 'tests.xml').is_file()


def test_bad_option_and_missing_gpu_are_clear_errors(tmp_path: Path) -> None:
    proc = run_tool(['bash', 'tools/gpu_check.sh', '--fast'], check=False)
    assert proc.returncode == 2 and 'unknown option --fast' in proc.stderr
    if not torch.cuda.is_available():
        proc = run_tool(
            [
                'python',
                'tools/analysis/device_check.py',
                '--device',
                'cuda',
                '--out',
                str(tmp_path),
            ],
            check=False,
        )
        assert proc.returncode == 2 and 'torch.cuda.is_available() is false' in proc.stderr
