"""A real ``tools/train.py`` with dropout, killed with SIGKILL at the worst moments, then
``--resume``d, ends bit-equal to an unbroken run, for ``max_keep_ckpts`` 1 and 2, and with
validations inside the run.

Each chain runs one training in one work dir, always started with ``--resume`` (as a job
script on a pre-empting cluster does), and kills it (``SEGPLUG_TEST_PAUSE``, see
``tests/plugins/hooks_for_tests.py``):

* both: ``write@4``, halfway through writing ``iter_4.pth`` (MMEngine had already deleted
  ``iter_2.pth`` by then under ``max_keep_ckpts=1``: nothing was left to resume);
* max_keep 1: then ``pointer@6`` (``iter_6.pth`` complete, ``last_checkpoint`` still naming
  ``iter_4.pth``) and ``prune@8`` (``last_checkpoint`` updated, ``iter_6.pth`` not yet
  removed);
* max_keep 2: then ``iter@7``, between two checkpoints;
* with a validation every 2 iterations: ``iter@3`` (during training), ``val@4`` (during the
  validation after ``iter_4.pth`` was written), ``pointer@6``;
* the last run finishes. Its ``iter_10.pth`` (weights, optimizer state, schedulers) must
  equal the unbroken run's bit for bit; the unbroken run validates nowhere, so the chain with
  validations also checks that a validation leaves the training as it was.

Determinism: the runs are seeded (``randomness.seed``) and the heads have dropout 0.5. The
checkpoints hold every random state (``segplug.engine.random_state``): MMEngine's replay of
the data loader puts the sampler and the workers back, and the generators (dropout, the
random crops of ``num_workers=0``) are restored after it; an unbroken run repeated is
bit-equal (``test_unbroken_runs_are_bit_equal``).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

from tests.helpers import PY, REPO, TRAIN, dump_cfg, tiny_cfg

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group('fault_injection')]

MAX_ITERS = 10


def fault_cfg(work: Path, max_keep: int, val_interval: int | None = None) -> str:
    """tiny_cfg with a narrow ResNet (16 base channels), dropout 0.5, seeded, checkpoints
    every 2 iterations through the pausing checkpoint hook; validation every
    ``val_interval`` iterations (None: none)."""
    cfg = tiny_cfg(
        work, max_iters=MAX_ITERS, ckpt_interval=2, n_train=8, narrow=True, dropout=0.5,
        val_interval=val_interval,
    )  # fmt: skip
    if val_interval is None:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.randomness = dict(seed=0)
    cfg.custom_imports = dict(
        imports=['segplug', 'tests.plugins.hooks_for_tests'], allow_failed_imports=False
    )
    cfg.default_hooks.checkpoint.update(type='PausingCheckpointHook', max_keep_ckpts=max_keep)
    # beside the work dir: the runner saves its copy of the config in it
    return dump_cfg(cfg, work.parent / f'{work.name}.py')


def env(pause: str | None) -> dict:
    e = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    e.pop('SEGPLUG_TEST_PAUSE', None)
    if pause:
        e['SEGPLUG_TEST_PAUSE'] = pause
    return e


def train(cfg: str, pause: str | None = None, timeout: float = 300) -> str:
    """Run tools/train.py --resume; with ``pause``, SIGKILL it when it reaches the pause.
    Returns its output."""
    work = Path(cfg).with_suffix('')
    log = work / f'log-{pause or "final"}.txt'
    with open(log, 'w') as out:
        proc = subprocess.Popen(
            [PY, TRAIN, cfg, '--resume'],
            cwd=REPO,
            env=env(pause),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + timeout
        if pause:
            marker = work / f'paused-{pause.replace("@", "-")}'
            while not marker.exists():
                assert proc.poll() is None, f'run ended before {pause}:\n' + log.read_text()[-3000:]
                assert time.time() < deadline, f'no {pause} after {timeout} s'
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            marker.unlink()
        else:
            proc.wait(timeout)
            assert proc.returncode == 0, log.read_text()[-5000:]
    return log.read_text()


def resumed_from(log: str) -> str | None:
    found = re.findall(r'--resume: resuming from (\S+)', log)
    return Path(found[0]).name if found else None


def chain(cfg: str, max_keep: int) -> dict:
    """The kill chain of the module docstring; returns the final checkpoint."""
    work = Path(cfg).with_suffix('')
    log = train(cfg, 'write@4')
    assert 'nothing to resume' in log, log[-3000:]
    assert (work / 'iter_2.pth').exists() and not (work / 'iter_4.pth').exists()
    assert list(work.glob('.iter_4.pth.*.partial'))  # the half-written file

    if max_keep == 1:
        log = train(cfg, 'pointer@6')
        assert resumed_from(log) == 'iter_2.pth', log[-3000:]
        assert not list(work.glob('.*.partial'))  # a killed save's leftovers are removed
        assert (work / 'last_checkpoint').read_text().endswith('iter_4.pth')
        assert (work / 'iter_6.pth').exists() and (work / 'iter_4.pth').exists()

        log = train(cfg, 'prune@8')
        assert resumed_from(log) == 'iter_4.pth', log[-3000:]  # last_checkpoint's, whole
        assert (work / 'last_checkpoint').read_text().endswith('iter_8.pth')
        assert (work / 'iter_6.pth').exists()  # removed only after last_checkpoint moved
        last = 'iter_8.pth'
    else:
        log = train(cfg, 'iter@7')
        assert resumed_from(log) == 'iter_2.pth', log[-3000:]
        assert sorted(p.name for p in work.glob('iter_*.pth')) == ['iter_4.pth', 'iter_6.pth']
        last = 'iter_6.pth'

    log = train(cfg)
    assert resumed_from(log) == last, log[-3000:]
    kept = sorted(p.name for p in work.glob('iter_*.pth'))  # iter_6 of prune@8 removed too
    assert kept == (['iter_10.pth'] if max_keep == 1 else ['iter_10.pth', 'iter_8.pth'])
    return torch.load(work / f'iter_{MAX_ITERS}.pth', map_location='cpu')


def validation_chain(cfg: str) -> dict:
    """Killed during training, during a validation, and between a checkpoint and
    ``last_checkpoint``, with a validation every 2 iterations."""
    work = Path(cfg).with_suffix('')
    log = train(cfg, 'iter@3')
    assert 'nothing to resume' in log, log[-3000:]
    log = train(cfg, 'val@4')
    assert resumed_from(log) == 'iter_2.pth', log[-3000:]
    assert (work / 'last_checkpoint').read_text().endswith('iter_4.pth')
    log = train(cfg, 'pointer@6')
    assert resumed_from(log) == 'iter_4.pth', log[-3000:]
    assert (work / 'iter_6.pth').exists()
    log = train(cfg)
    assert resumed_from(log) == 'iter_4.pth', log[-3000:]  # last_checkpoint's, whole
    assert 'not bit-exact' not in log
    return torch.load(work / f'iter_{MAX_ITERS}.pth', map_location='cpu')


def unbroken(cfg: str) -> dict:
    train(cfg)
    return torch.load(Path(cfg).with_suffix('') / f'iter_{MAX_ITERS}.pth', map_location='cpu')


def assert_bit_equal(ref: dict, got: dict) -> None:
    assert got['meta']['iter'] == MAX_ITERS
    assert ref['state_dict'].keys() == got['state_dict'].keys()
    for k, v in ref['state_dict'].items():
        assert torch.equal(v, got['state_dict'][k]), k
    ref_opt, got_opt = ref['optimizer']['state'], got['optimizer']['state']
    assert ref_opt.keys() == got_opt.keys()
    for k in ref_opt:
        for name, v in ref_opt[k].items():
            assert torch.equal(torch.as_tensor(v), torch.as_tensor(got_opt[k][name])), (k, name)
    assert ref['param_schedulers'] == got['param_schedulers']


@pytest.fixture(scope='module')
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two unbroken runs and the two kill chains, two at a time (each is one process at a
    time, mostly waiting for imports)."""
    root = tmp_path_factory.mktemp('faults')
    # configs first, in this thread: MMEngine's config loading is not thread-safe
    cfgs = {
        name: fault_cfg(root / name, keep)
        for name, keep in (('ref', -1), ('keep1', 1), ('keep2', 2), ('ref2', -1))
    }
    cfgs['val'] = fault_cfg(root / 'val', -1, val_interval=2)
    with ThreadPoolExecutor(2) as pool:
        jobs = {
            'ref': pool.submit(unbroken, cfgs['ref']),
            'keep1': pool.submit(chain, cfgs['keep1'], 1),
            'keep2': pool.submit(chain, cfgs['keep2'], 2),
            'val': pool.submit(validation_chain, cfgs['val']),
            'ref2': pool.submit(unbroken, cfgs['ref2']),
        }
        return {name: job.result() for name, job in jobs.items()}


def test_unbroken_runs_are_bit_equal(runs: dict) -> None:
    assert_bit_equal(runs['ref'], runs['ref2'])


@pytest.mark.parametrize('max_keep', [1, 2])
def test_killed_runs_resume_bit_equal(runs: dict, max_keep: int) -> None:
    assert_bit_equal(runs['ref'], runs[f'keep{max_keep}'])


def test_run_killed_in_training_validation_and_save_resumes_bit_equal(runs: dict) -> None:
    assert_bit_equal(runs['ref'], runs['val'])
