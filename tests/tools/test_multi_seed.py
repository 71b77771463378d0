"""Supplement E: a seeded CPU run repeats exactly, and tools/multi_seed.py summarises runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import torch
from mmengine.runner import Runner

from segplug.utils.multi_seed import run_seeds, seed_list, summary, summary_table
from tests.helpers import REPO, tiny_cfg

pytestmark = pytest.mark.slow  # tools run as subprocesses


def test_same_seed_repeats_exactly(tmp_path: Path) -> None:
    """Two CPU runs of a CPP-KL model with one seed end with bit-equal weights."""
    states = []
    for i in range(2):
        cfg = tiny_cfg(tmp_path / f'run{i}', max_iters=3, ckpt_interval=3, n_train=6)
        cfg.model.auxiliary_head.type = 'CPPFCNHead'
        cfg.model.auxiliary_head.loss_decode = dict(type='CPPKLLoss', loss_weight=0.6)
        cfg.randomness = dict(seed=9802)
        # no validation: the weights themselves are compared
        cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
        cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
        cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=3)
        cfg.custom_hooks = []
        cfg.experiment_name = f'repeat{i}'
        cfg.visualizer.name = f'repeat_vis{i}'
        runner = Runner.from_cfg(cfg)
        runner.train()
        states.append({k: v.clone() for k, v in runner.model.state_dict().items()})
    a, b = states
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(v, torch.zeros_like(v)) for v in a.values())


def test_runner_passes_seeds_and_summarises(tmp_path: Path, monkeypatch, capsys) -> None:
    """The script trains once per seed with randomness.seed set and reads each run's last
    validation mIoU from MMEngine's scalars.json (runs faked here)."""
    fake_miou = {3: 40.0, 5: 41.0, 8: 42.5}
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        work = Path(cmd[cmd.index('--work-dir') + 1])
        seed = int(next(o for o in cmd if o.startswith('randomness.seed=')).split('=')[1])
        scalars = work / '20261122_000000' / 'vis_data' / 'scalars.json'
        scalars.parent.mkdir(parents=True)
        scalars.write_text(
            json.dumps(dict(loss=1.0, step=1))
            + '\n'
            + json.dumps(dict(mIoU=0.0, step=1))
            + '\n'
            + json.dumps(dict(mIoU=fake_miou[seed], step=2))
            + '\n'
        )
        return subprocess.CompletedProcess(cmd, 0, '', '')

    values = run_seeds(
        'cfg.py',
        [3, 5, 8],
        str(tmp_path),
        str(REPO / 'tools'),
        deterministic=True,
        cfg_options=['train_cfg.max_iters=7'],
        run=fake_run,
        log=print,
    )
    assert len(calls) == 3 and values == [40.0, 41.0, 42.5]
    assert all('randomness.deterministic=True' in c and 'train_cfg.max_iters=7' in c for c in calls)
    assert capsys.readouterr().out.splitlines()[-1] == 'run 2  seed 8  mIoU 42.50'
    assert summary_table(values).splitlines()[-1] == '| 40.00 | 42.50 | 41.17 | 1.0556 | 1.0274 |'
    assert calls[0][1].endswith('tools/train.py') and calls[0][2] == 'cfg.py'
    # gpus > 1: each run goes through dist_train.sh with the same options
    calls.clear()
    run_seeds(
        'cfg.py', [3], str(tmp_path / 'dist'), str(REPO / 'tools'), gpus=8, run=fake_run, log=print
    )
    assert calls[0][:4] == ['bash', str(REPO / 'tools' / 'dist_train.sh'), 'cfg.py', '8']
    assert 'randomness.seed=3' in calls[0]
    with pytest.raises(ValueError, match='--seeds'):
        seed_list(None, None, 10)
    assert seed_list(None, 4, 3) == [4, 4, 4]


def test_summary_statistics() -> None:
    s = summary([77.38, 77.80, 77.58])
    assert (s['min'], s['max']) == (77.38, 77.80)
    assert abs(s['mean'] - 77.5866667) < 1e-6
    assert abs(s['var'] - ((0.2066667**2 + 0.2133333**2 + 0.0066667**2) / 3)) < 1e-6
    assert abs(s['std'] - s['var'] ** 0.5) < 1e-12


def test_last_metrics_reads_the_newest_runs_last_validation_row(tmp_path) -> None:
    import json

    from segplug.utils.multi_seed import last_metrics, last_miou

    def write(run: str, rows: list[dict]) -> None:
        (tmp_path / run / 'vis_data').mkdir(parents=True)
        text = '\n'.join(json.dumps(r) for r in rows)
        (tmp_path / run / 'vis_data' / 'scalars.json').write_text(text + '\n')

    write('20261128_100000', [{'mIoU': 50.0, 'IoU.Pole': 5.0}])
    write(
        '20261128_110000',
        [
            {'loss': 1.0, 'step': 10},
            {'mIoU': 20.5, 'IoU.Pole': 1.5, 'BF@3': 40.0, 'step': 20},
            {'mIoU': 30.25, 'IoU.Pole': 2.5, 'BF@3': 41.0, 'step': 40},
            {'loss': 0.5, 'step': 50},
        ],
    )
    assert last_metrics(str(tmp_path)) == {'mIoU': 30.25, 'IoU.Pole': 2.5, 'BF@3': 41.0, 'step': 40}
    assert last_miou(str(tmp_path)) == 30.25
    with pytest.raises(RuntimeError, match='no validation mIoU'):
        last_metrics(str(tmp_path / 'missing'))
