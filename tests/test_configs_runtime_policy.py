"""One runtime policy: declared in the configs, so MMSegmentation's launcher and segplug's agree.

Every config of configs/ carries segplug's hooks, ``SafeCheckpointHook`` and the CPU-capable
DDP wrapper (through ``configs/_base_/segplug_runtime.py`` and the schedules); segplug's
``load_cfg`` resolves a config exactly as MMSegmentation's ``tools/train.py`` does, and
``adapt_cfg`` changes nothing but the distributed backend of a machine without a GPU.
"""

from __future__ import annotations

import copy
import os.path as osp
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from segplug.engine import adapt_cfg, load_cfg, without_checks
from tests.helpers import REPO

CONFIGS = sorted(
    str(p.relative_to(REPO))
    for p in (REPO / 'configs').rglob('*.py')
    if '_base_' not in p.parts and not p.name.startswith('_')
)
SEGPLUG_HOOKS = ['DataCheckHook', 'NaNGuardHook', 'EvalProgressHook', 'RandomStateHook']


@pytest.mark.parametrize('config', CONFIGS)
def test_every_config_declares_segplugs_runtime(config: str) -> None:
    cfg = Config.fromfile(str(REPO / config))
    hooks = [h['type'] for h in cfg.get('custom_hooks', [])]
    assert all(h in hooks for h in SEGPLUG_HOOKS), f'{config}: custom_hooks {hooks}'
    assert cfg.default_hooks.checkpoint.type == 'SafeCheckpointHook', config
    assert cfg.model_wrapper_cfg.type == 'mmseg.SegDistributedDataParallel', config
    assert cfg.custom_imports.imports == ['segplug'], config


def mmseg_train_cfg(config: str, resume: bool = False) -> Config:
    """What MMSegmentation 1.2.2's tools/train.py hands to ``Runner.from_cfg`` (no --amp,
    no --work-dir, no --cfg-options, launcher none)."""
    cfg = Config.fromfile(config)
    cfg.launcher = 'none'
    if cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    cfg.resume = resume
    return cfg


@pytest.mark.parametrize(
    'config',
    [
        'configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py',
        'configs/ti/ti-deeplabv3plus_r18-v1c_1xb4-200i_camvid-256x256.py',
        'configs/cpp/pspnet32-cpp_r18-v1c_1xb4-500i_camvid-256x256.py',
        'configs/demo/fcn32_r18-v1c_1xb4-500i_camvid-demo-256x256.py',
        'configs/ti/ti-resnest_s101-d8_deeplabv3_4xb2-62k_pascal-context-59-480x480.py',
    ],
)
def test_mmsegmentation_launcher_and_segplug_resolve_the_same_config(
    config: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    theirs = mmseg_train_cfg(config, resume=True).to_dict()
    ours = load_cfg(config)
    ours.resume = True  # tools/train.py: cfg.resume = args.resume
    assert ours.to_dict() == theirs
    # the engine adapts the device only: on a machine without a GPU the backend, else nothing
    adapted = adapt_cfg(copy.deepcopy(ours)).to_dict()
    expected = copy.deepcopy(theirs)
    if (
        not torch.cuda.is_available()
        and expected.get('env_cfg', {}).get('dist_cfg', {}).get('backend', 'nccl') == 'nccl'
    ):
        expected.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    assert adapted == expected


def test_no_checks_drops_the_data_check_and_nan_guard(tmp_path: Path) -> None:
    cfg = without_checks(load_cfg(str(REPO / CONFIGS[0])))
    assert [h['type'] for h in cfg.custom_hooks] == ['EvalProgressHook', 'RandomStateHook']
