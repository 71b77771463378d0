"""finished_runs: the last validation row of every finished seed run, unfinished ones left out."""

from __future__ import annotations

import json
from pathlib import Path

from segplug.utils.multi_seed import finished_runs


def _run(root: Path, variant: str, seed: int, rows: list[dict]) -> None:
    vis = root / variant / f'seed{seed}' / '20261207_000000' / 'vis_data'
    vis.mkdir(parents=True)
    (vis / 'scalars.json').write_text(''.join(json.dumps(r) + '\n' for r in rows))


def test_finished_runs(tmp_path: Path) -> None:
    _run(tmp_path, 'fcn32', 0, [{'loss': 1.0, 'step': 1}, {'mIoU': 40.0, 'IoU.Pole': 1.0}])
    _run(tmp_path, 'fcn32', 1, [{'mIoU': 10.0}, {'loss': 0.5}, {'mIoU': 41.5}])
    _run(tmp_path, 'hcfcn32', 0, [{'loss': 1.0}])  # training, no validation yet
    found = finished_runs(str(tmp_path))
    assert found == {'fcn32': {'seed0': {'mIoU': 40.0, 'IoU.Pole': 1.0}, 'seed1': {'mIoU': 41.5}}}
