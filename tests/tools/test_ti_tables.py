"""tools/analysis/ti_tables.py prints Tables 2-3 with measured rates and errors."""

from __future__ import annotations

import re
import runpy
import sys

import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.slow  # tools run as subprocesses


def test_ti_tables_small(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    # in-process (runpy) rather than a subprocess: re-importing mmseg costs more than the run
    monkeypatch.setattr(
        sys, 'argv', ['ti_tables.py', '--size', '8', '--batch', '1', '--rows', '2000']
    )
    runpy.run_path(str(REPO / 'tools' / 'analysis' / 'ti_tables.py'), run_name='__main__')
    out = capsys.readouterr().out
    rows = {
        m.group(1).strip(): m.group(2)
        for m in re.finditer(r'^\| ([A-Za-z ()2]+) \|(.*)$', out, re.M)
    }
    measured = lambda row: [float(c.split('/')[0]) for c in row.split('|')[:3]]  # noqa: E731
    ti, net2net, xavier = (measured(rows[k]) for k in ('TI (ours)', 'Net2Net', 'Xavier'))
    assert ti[0] > 99 and ti[1] == 100.0 and ti[2] == 100.0
    assert net2net[0] < 3 and net2net[1] == 100.0 and 40 < net2net[2] < 60
    assert xavier[1] == 0.0 and xavier[2] == 0.0
    errors = re.findall(r'^\| 1e(\d) \| ([0-9.e+-]+) \| ([0-9.e+-]+) \| ([0-9.e+-]+) \|', out, re.M)
    assert len(errors) == 4
    for exp, _, e32, e64 in errors:  # the float64 inverse beats the float32 one everywhere
        assert float(e64) < float(e32) < 1e-3 * 10 ** int(exp)
