"""Two CPU processes (gloo) train in step and evaluate like one process."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
import torch

from tests.helpers import PY, REPO, TEST, dump_cfg, run_tool, tiny_cfg

pytestmark = pytest.mark.slow


def free_port() -> str:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def miou(log: str) -> float:
    found = re.findall(r'mIoU: ([0-9.]+)', log)
    assert found, log[-3000:]
    return float(found[-1])


def train_two_ranks(cfg, tmp_path: Path) -> tuple[str, Path]:
    """Train ``cfg`` with 2 CPU processes; check both ranks and the checkpoint agree.

    Returns the dumped config's path and the work dir.
    """
    cfg.custom_imports = dict(
        imports=['segplug', 'tests.plugins.hooks_for_tests'], allow_failed_imports=False
    )
    cfg.custom_hooks.append(dict(type='DumpWeightsHook'))
    path = dump_cfg(cfg, tmp_path / 'cfg.py')
    env = {'PYTHONPATH': str(REPO), 'PORT': free_port()}
    train = run_tool(['bash', 'tools/dist_train.sh', path, '2'], env=env)
    assert 'reverted to BatchNorm for CPU DDP' in train.stdout + train.stderr

    work = Path(cfg.work_dir)
    rank0 = torch.load(work / 'rank0.pth')
    rank1 = torch.load(work / 'rank1.pth')
    params = {n for n, p in _param_names(cfg)}
    assert params, 'no parameters found'
    for name in params:
        assert torch.equal(rank0[name], rank1[name]), name
    last = cfg.train_cfg.max_iters
    ckpt = torch.load(work / f'iter_{last}.pth', map_location='cpu')
    saved = ckpt['state_dict']
    for name in params:  # the checkpoint holds what the ranks hold
        assert torch.equal(saved[name], rank0[name]), name
    # every rank's random state, gathered before rank 0 saved (segplug.engine.random_state)
    assert len(ckpt['message_hub']['runtime_info']['segplug_random_state']) == 2
    return path, work


def test_two_process_cpu_training_and_evaluation(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'work', max_iters=4, ckpt_interval=4, n_val=3)
    cfg.model.decode_head.norm_cfg = dict(type='SyncBN', requires_grad=True)
    path, work = train_two_ranks(cfg, tmp_path)

    ckpt = str(work / 'iter_4.pth')
    one = run_tool(
        [PY, TEST, path, ckpt, '--work-dir', str(tmp_path / 't1')], env={'PYTHONPATH': str(REPO)}
    )
    two = run_tool(
        ['bash', 'tools/dist_test.sh', path, ckpt, '2', '--work-dir', str(tmp_path / 't2')],
        env={'PYTHONPATH': str(REPO), 'PORT': free_port()},
    )
    assert miou(one.stdout + one.stderr) == miou(two.stdout + two.stderr)


def _param_names(cfg) -> list:
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules

    import segplug  # noqa: F401

    register_all_modules()
    return list(MODELS.build(cfg.model).named_parameters())


def test_config_with_unused_parameters_trains_under_ddp(tmp_path: Path) -> None:
    """fpn-bilinear on the HC backbone: the clustering computes assignments nobody uses, so
    its projections get no gradient; the config's ``model_wrapper_cfg.find_unused_parameters``
    must reach DDP (a top-level key would be dropped: "Expected to have finished
    reduction" at the second step)."""
    from mmengine.config import Config

    from tests.helpers import DEMO_DATA

    cfg = Config.fromfile(
        str(REPO / 'configs/upsamplers/fpn-bilinear_hcr18-v1c_1xb4-600i_camvid-256x256.py')
    )
    assert cfg.model_wrapper_cfg.find_unused_parameters is True
    cfg.work_dir = str(tmp_path / 'work')
    cfg.model.data_preprocessor.size = (64, 64)
    for t in cfg.train_dataloader.dataset.pipeline:
        if t['type'] == 'RandomCrop':
            t['crop_size'] = (64, 64)
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        loader.dataset.data_root = str(DEMO_DATA)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=100)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.interval = 2
    path = dump_cfg(cfg, tmp_path / 'cfg.py')
    env = {'PYTHONPATH': str(REPO), 'PORT': free_port()}
    run_tool(['bash', 'tools/dist_train.sh', path, '2'], env=env)
    assert (tmp_path / 'work' / 'iter_2.pth').exists()
