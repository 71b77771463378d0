"""A run killed with SIGKILL and restarted with --resume ends where an unbroken run ends."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import torch

from tests.helpers import PY, REPO, TRAIN, dump_cfg, run_tool, tiny_cfg

MAX_ITERS = 10


def make_cfg(work: Path, sleep: float) -> str:
    cfg = tiny_cfg(work, max_iters=MAX_ITERS, ckpt_interval=3)
    cfg.custom_imports = dict(imports=['segplug', 'tests.plugins.hooks_for_tests'],
                              allow_failed_imports=False)
    cfg.custom_hooks.append(dict(type='SleepHook', seconds=sleep))
    return dump_cfg(cfg, work / 'cfg.py')


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')


def test_kill_and_resume_matches_unbroken_run(tmp_path: Path) -> None:
    ref_dir, run_dir = tmp_path / 'ref', tmp_path / 'run'
    ref_dir.mkdir()
    run_dir.mkdir()
    run_tool([PY, TRAIN, make_cfg(ref_dir, 0.0)], env={'PYTHONPATH': str(REPO)})

    cfg = make_cfg(run_dir, 0.5)
    proc = subprocess.Popen([PY, TRAIN, cfg], cwd=REPO, env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    last = run_dir / 'last_checkpoint'  # written after the checkpoint file is complete
    while not (last.exists() and last.read_text().strip().endswith('iter_6.pth')):
        assert proc.poll() is None, 'training ended before it could be killed'
        assert time.time() < deadline, 'no checkpoint iter_6.pth after 300 s'
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (run_dir / f'iter_{MAX_ITERS}.pth').exists()

    out = run_tool([PY, TRAIN, cfg, '--resume'], env={'PYTHONPATH': str(REPO)})
    log = out.stdout + out.stderr
    resumed = re.findall(r'resumed epoch: 0, iter: (\d+)', log)
    assert resumed and int(resumed[0]) in (6, 9), log[-3000:]  # 9 if it was saved in time
    assert f'Advance dataloader {resumed[0]} steps' in log

    ref = torch.load(ref_dir / f'iter_{MAX_ITERS}.pth', map_location='cpu')
    got = torch.load(run_dir / f'iter_{MAX_ITERS}.pth', map_location='cpu')
    assert got['meta']['iter'] == MAX_ITERS
    for k, v in ref['state_dict'].items():
        assert torch.allclose(v.float(), got['state_dict'][k].float(), atol=1e-6), k
    ref_opt, got_opt = ref['optimizer']['state'], got['optimizer']['state']
    assert ref_opt.keys() == got_opt.keys()
    for k in ref_opt:
        for name, v in ref_opt[k].items():
            assert torch.allclose(torch.as_tensor(v).float(),
                                  torch.as_tensor(got_opt[k][name]).float(), atol=1e-6)
    assert ref['param_schedulers'] == got['param_schedulers']
