"""Supplement E: a seeded CPU run repeats exactly, and tools/multi_seed.py summarises runs."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import torch

from tests.helpers import PY, REPO, dump_cfg, run_tool, tiny_cfg

_spec = importlib.util.spec_from_file_location('multi_seed', REPO / 'tools' / 'multi_seed.py')
multi_seed = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(multi_seed)
summary = multi_seed.summary


def test_same_seed_repeats_exactly_and_summary(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'cfg', max_iters=3, ckpt_interval=3)
    cfg.model.auxiliary_head.type = 'CPPFCNHead'
    cfg.model.auxiliary_head.loss_decode = dict(type='CPPKLLoss', loss_weight=0.6)
    path = dump_cfg(cfg, tmp_path / 'cpp_tiny.py')
    work = tmp_path / 'runs'
    proc = run_tool([PY, str(REPO / 'tools' / 'multi_seed.py'), path, '--same-seed', '7',
                     '--runs', '2', '--work-dir', str(work)])
    mious = [float(m) for m in re.findall(r'mIoU (\d+\.\d+)', proc.stdout)]
    assert len(mious) == 2 and mious[0] == mious[1]
    row = proc.stdout.strip().splitlines()[-1]
    assert row.startswith(f'| {mious[0]:.2f} | {mious[0]:.2f} | {mious[0]:.2f} | 0.0000 |')
    # the weights themselves, not only the metric, are equal bit for bit
    a, b = (torch.load(work / f'run{i}_seed7' / 'iter_3.pth', map_location='cpu',
                       weights_only=False)['state_dict'] for i in (0, 1))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_summary_statistics() -> None:
    s = summary([77.38, 77.80, 77.58])
    assert (s['min'], s['max']) == (77.38, 77.80)
    assert abs(s['mean'] - 77.5866667) < 1e-6
    assert abs(s['var'] - ((0.2066667 ** 2 + 0.2133333 ** 2 + 0.0066667 ** 2) / 3)) < 1e-6
    assert abs(s['std'] - s['var'] ** 0.5) < 1e-12
