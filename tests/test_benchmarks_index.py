"""benchmarks/README.md indexes every benchmark script, and names only scripts that exist."""

from __future__ import annotations

import re

from tests.helpers import REPO


def test_every_benchmark_script_is_indexed() -> None:
    index = (REPO / 'benchmarks' / 'README.md').read_text()
    scripts = {
        p.name
        for p in (REPO / 'benchmarks').iterdir()
        if p.suffix in ('.py', '.sh') and not p.name.startswith('_')
    }
    missing = sorted(s for s in scripts if f'`{s}' not in index)
    assert not missing, f'benchmarks/README.md does not list {missing}'
    named = set(re.findall(r'`([a-z0-9_]+\.(?:py|sh))', index))
    helpers = {p.name for p in (REPO / 'benchmarks').glob('_*')}
    assert named <= scripts | helpers, f'benchmarks/README.md names {named - scripts - helpers}'
