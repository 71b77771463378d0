"""Values of segplug.engine.runtime and smoke that the training tests pass over: the CPU
torchrun process group's backend, --resume with a Path and its message, the DDP wrapper's
and the smoke config's handling of what cannot run here."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from segplug.engine import runtime
from segplug.engine.checkpoint_hook import write_atomically
from segplug.engine.smoke import smoke_cfg
from tests.helpers import DEMO_DATA

REPO = Path(__file__).resolve().parents[2]


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple, dict]] = []

    def __call__(self, *args, **kwargs) -> None:
        self.calls.append((args, kwargs))


@pytest.mark.parametrize(
    'env_cfg, backend',
    [({}, 'gloo'), ({'dist_cfg': {}}, 'gloo'), ({'dist_cfg': {'backend': 'mpi'}}, 'mpi')],
)
def test_cpu_torchrun_starts_the_group_with_the_configs_backend(
    monkeypatch: pytest.MonkeyPatch, env_cfg: dict, backend: str
) -> None:
    init = Recorder()
    monkeypatch.setattr(runtime.torch_dist, 'init_process_group', init)
    monkeypatch.setattr(runtime.torch_dist, 'is_initialized', lambda: False)
    monkeypatch.setattr(runtime.torch.cuda, 'is_available', lambda: False)
    monkeypatch.setenv('RANK', '1')
    monkeypatch.setenv('WORLD_SIZE', '3')
    runtime.init_cpu_distributed(Config(dict(launcher='pytorch', env_cfg=env_cfg)))
    assert init.calls == [((), dict(backend=backend, rank=1, world_size=3))]
    runtime.init_cpu_distributed(Config(dict(launcher='none', env_cfg=env_cfg)))
    assert len(init.calls) == 1  # not a torchrun launch: nothing to start


def _whole_checkpoint(path: Path) -> None:
    torch.save({'meta': {'iter': 2}, 'state_dict': {'w': torch.zeros(1)}}, path)


def test_resume_from_a_path_object_returns_its_string(tmp_path: Path) -> None:
    ckpt = tmp_path / 'iter_2.pth'
    _whole_checkpoint(ckpt)
    cfg = Config(dict(resume=True, load_from=ckpt, work_dir=str(tmp_path / 'w')))
    found = runtime.resolve_resume(cfg)
    assert found == str(ckpt) and isinstance(found, str)


def test_resume_says_which_checkpoint_it_takes(tmp_path: Path, monkeypatch) -> None:
    log = Recorder()
    monkeypatch.setattr(runtime, 'print_log', log)
    _whole_checkpoint(tmp_path / 'iter_2.pth')
    write_atomically(str(tmp_path / 'last_checkpoint'), str(tmp_path / 'iter_2.pth').encode())
    found = runtime.resolve_resume(Config(dict(resume=True, work_dir=str(tmp_path))))
    assert found == str(tmp_path / 'iter_2.pth')
    assert [a[0] for a, _ in log.calls] == [f'--resume: resuming from {found}']


def test_cpu_ddp_says_that_sync_bn_was_reverted(monkeypatch) -> None:
    import torch.distributed as torch_dist
    import torch.nn as nn

    from segplug.engine import ddp

    log = Recorder()
    monkeypatch.setattr(ddp, 'print_log', log)
    store = torch_dist.HashStore()
    torch_dist.init_process_group('gloo', store=store, rank=0, world_size=1)
    try:
        ddp.SegDistributedDataParallel(nn.Sequential(nn.Conv2d(3, 4, 1), nn.SyncBatchNorm(4)))
        ddp.SegDistributedDataParallel(nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4)))
    finally:
        torch_dist.destroy_process_group()
    assert [a[0] for a, _ in log.calls] == [
        'SyncBN has no CPU kernel: reverted to BatchNorm for CPU DDP'
    ]


def test_smoke_config_drops_a_hub_pretrained_model(tmp_path: Path) -> None:
    """A config naming hub weights (no hub here) must still smoke-train from scratch."""
    base = REPO / 'configs' / 'hc' / 'fcn32_r18-v1c_1xb4-600i_camvid-256x256.py'
    cfg_file = tmp_path / 'hub.py'
    cfg_file.write_text(
        f"_base_ = ['{base}']\nmodel = dict(pretrained='open-mmlab://resnet18_v1c')\n"
    )
    assert Config.fromfile(str(cfg_file)).model.pretrained == 'open-mmlab://resnet18_v1c'
    cfg = smoke_cfg(str(cfg_file), str(tmp_path / 'work'), str(DEMO_DATA))
    assert 'pretrained' not in cfg.model


def test_smoke_config_is_small_fresh_and_saves_nothing(tmp_path: Path) -> None:
    """A smoke run neither resumes nor loads (a work dir of a real run must not be
    continued), pads to its own small crop (not the config's 512x1024), saves no checkpoint
    (interval past the end, no last one) and by default runs 2 iterations of batch 2 on
    64x64 crops."""
    config = REPO / 'configs' / 'hc' / 'fcn32_r18-v1c_1xb4-600i_camvid-256x256.py'
    cfg_file = tmp_path / 'resumed.py'
    cfg_file.write_text(
        f"_base_ = ['{config}']\nresume = True\nload_from = 'work_dirs/x/iter_600.pth'\n"
        'model = dict(data_preprocessor=dict(size=(512, 1024)))\n'
    )
    cfg = smoke_cfg(str(cfg_file), str(tmp_path / 'work'), str(DEMO_DATA))
    assert cfg.resume is False and cfg.load_from is None
    assert tuple(cfg.model.data_preprocessor.size) == (64, 64)
    crop = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'] == 'RandomCrop']
    assert [tuple(t['crop_size']) for t in crop] == [(64, 64)]
    assert cfg.train_dataloader.batch_size == 2 and cfg.train_cfg.max_iters == 2
    ckpt = cfg.default_hooks.checkpoint
    assert ckpt.interval > cfg.train_cfg.max_iters and ckpt.save_last is False


def test_a_failing_smoke_run_records_its_error(tmp_path: Path, monkeypatch) -> None:
    """One family's failure is reported in its result, not raised (the device check goes
    on to the next family)."""
    from segplug.engine import smoke

    def fail(cfg):
        raise RuntimeError('no kernel for this dtype')

    monkeypatch.setattr(smoke.Runner, 'from_cfg', fail)
    result = smoke.smoke_train('HCFCN-32', str(tmp_path / 'work'), str(REPO))
    assert result.error == 'RuntimeError: no kernel for this dtype'
    assert result.finite is False and result.losses == []


def test_smoke_config_keeps_no_validation_hooks(tmp_path: Path) -> None:
    """Smoke runs do not validate: the hooks that validate or report validation go, the
    others (here the NaN guard) stay."""
    base = REPO / 'configs' / 'hc' / 'fcn32_r18-v1c_1xb4-600i_camvid-256x256.py'
    cfg_file = tmp_path / 'hooks.py'
    cfg_file.write_text(
        f"_base_ = ['{base}']\n"
        "custom_hooks = [dict(type='ValBeforeTrainHook'), dict(type='NaNGuardHook'),\n"
        "                dict(type='EvalProgressHook')]\n"
    )
    cfg = smoke_cfg(str(cfg_file), str(tmp_path / 'work'), str(DEMO_DATA))
    assert [h['type'] for h in cfg.custom_hooks] == ['NaNGuardHook']
    assert cfg.log_level == 'WARNING'  # quiet: one line per family in the device check


def test_no_checks_drops_exactly_the_check_hooks() -> None:
    cfg = Config(
        dict(
            custom_hooks=[
                dict(type='DataCheckHook'),
                dict(type='EMAHook'),
                dict(type='NaNGuardHook'),
                dict(type='EvalProgressHook'),
            ]
        )
    )
    kept = runtime.without_checks(cfg).custom_hooks
    assert [h['type'] for h in kept] == ['EMAHook', 'EvalProgressHook']
    assert runtime.without_checks(Config(dict(custom_hooks=None))).custom_hooks == []
