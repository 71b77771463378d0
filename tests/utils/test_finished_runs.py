"""finished_runs: the last validation row of every finished seed run, unfinished ones left out;
seeds_table: means, gains paired by seed, classes and boundary F; run_commit; the runs'
training length from their dumped configs."""

from __future__ import annotations

import datetime
import json
import math
import subprocess
from pathlib import Path

import pytest

from segplug.utils.multi_seed import (
    CAMVID_OTHER,
    CAMVID_THIN,
    common_iterations,
    finished_runs,
    paired_gain,
    run_commit,
    run_commits,
    run_iterations,
    seeds_table,
    write_seeds_json,
)


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


def _metrics(miou: float, pole: float, bf3: float | None = None) -> dict:
    row = {'mIoU': miou} | {f'IoU.{c}': 1.0 for c in CAMVID_THIN + CAMVID_OTHER}
    row['IoU.Pole'] = pole
    if bf3 is not None:
        row['BF@3'] = bf3
    return row


def test_seeds_table_pairs_by_seed(tmp_path: Path) -> None:
    found = {
        'ce': {'seed0': _metrics(40.0, 2.0, 50.0), 'seed1': _metrics(42.0, 4.0, 52.0)},
        'method': {
            'seed0': _metrics(43.0, 6.0, 55.0),
            'seed1': _metrics(43.0, 8.0, 53.0),
            'seed2': _metrics(50.0, 0.0, 60.0),  # no control at seed 2: not paired
        },
        'other': {'seed1': _metrics(41.0, 1.0)},
    }
    text, result = seeds_table(found, {'method': 'ce'}, {'method': 'other'}, {'ce': {'seed0': 'a'}})
    m = result['method']
    assert m['baseline'] == 'ce' and m['gains_per_seed'] == [3.0, 1.0]
    assert (m['gain_mean'], m['gain_std']) == (2.0, 1.0)
    assert m['also'] == dict(baseline='other', gain_mean=2.0, gain_std=0.0, gains_per_seed=[2.0])
    assert m['class_iou']['Pole'] == 14 / 3 and m['bf3'] == 56.0
    assert math.isnan(result['other']['bf']['BF@3']) and math.isnan(m['bf']['BF@1'])
    assert result['ce']['gain_mean'] is None and result['ce']['commits'] == {'seed0': 'a'}
    assert '| method | 3 | 43.00 / 43.00 / 50.00 | 45.33 +- 3.30 | +2.00 +- 1.00 | 4.7 |' in text
    assert paired_gain(found['ce'], {}, 'x') is None


def test_run_commit(tmp_path: Path) -> None:
    run = tmp_path / 'seed0'
    run.mkdir()
    assert run_commit(str(run)) == '?'
    (tmp_path / 'seed0.commit').write_text('abc1234-dirty\n')
    assert run_commit(str(run)) == 'abc1234-dirty'
    for variant, seed, commit in (('fcn32', 'seed1', 'aaa1111'), ('hc', 'seed0', 'bbb2222')):
        (tmp_path / variant / seed).mkdir(parents=True)
        (tmp_path / variant / f'{seed}.commit').write_text(commit)
    found = {'fcn32': {'seed1': {}}, 'hc': {'seed0': {}}}
    assert run_commits(str(tmp_path), found) == {
        'fcn32': {'seed1': 'aaa1111'},
        'hc': {'seed0': 'bbb2222'},
    }


def test_write_seeds_json_records_command_date_and_commit(tmp_path: Path) -> None:
    repo = tmp_path / 'repo'
    repo.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(
            ['git', '-C', str(repo), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    git('init', '-q')
    (repo / 'a.txt').write_text('1\n')
    git('add', 'a.txt')
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'one')
    head = git('rev-parse', '--short', 'HEAD')
    variants = {'fcn32': {'mIoU': {'mean': 50.0}}}
    out = tmp_path / 'table.json'
    write_seeds_json(str(out), 'bash x.sh A B', variants, str(repo), conditions='last 1000')
    got = json.loads(out.read_text())
    assert got == {
        'meta': {
            'command': 'bash x.sh A B',
            'date': datetime.date.today().isoformat(),
            'commit': head,
            'conditions': 'last 1000',
        },
        'variants': variants,
    }
    assert out.read_text().endswith('}\n')
    (repo / 'a.txt').write_text('2\n')  # a tracked change: the numbers are not from HEAD
    write_seeds_json(str(out), 'c', {}, str(repo))
    assert json.loads(out.read_text())['meta']['commit'] == head + '+dirty'


def _dump(root: Path, variant: str, seed: int, iters: int) -> None:
    run = root / variant / f'seed{seed}'
    run.mkdir(parents=True, exist_ok=True)
    (run / 'cfg.py').write_text(
        f"train_cfg = dict(type='IterBasedTrainLoop', max_iters={iters}, val_interval={iters})\n"
    )


def test_runs_training_length_is_read_from_their_dumped_configs(tmp_path: Path) -> None:
    _dump(tmp_path, 'fcn32', 0, 2000)
    _dump(tmp_path, 'hcfcn32', 1, 2000)
    found = {'fcn32': {'seed0': {}}, 'hcfcn32': {'seed1': {}}}
    assert run_iterations(str(tmp_path / 'fcn32' / 'seed0')) == 2000
    assert common_iterations(str(tmp_path), found) == 2000
    _dump(tmp_path, 'hcfcn32', 2, 1000)
    found['hcfcn32']['seed2'] = {}
    with pytest.raises(ValueError, match=r"different lengths.*'hcfcn32/seed2': 1000"):
        common_iterations(str(tmp_path), found)
    (tmp_path / 'fcn32' / 'seed0' / 'other.py').write_text('x = 1\n')
    with pytest.raises(ValueError, match=r'seed0: expected one dumped config \(\*\.py\), found 2'):
        run_iterations(str(tmp_path / 'fcn32' / 'seed0'))
