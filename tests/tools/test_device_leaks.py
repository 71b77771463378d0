"""No tool that takes ``--device`` touches a device it was not given: with CUDA reported
present (two devices) but without a driver behind it, every ``--device cpu`` run must finish,
since any CUDA call (a tensor moved, a synchronise, a memory query) raises. The CPU stand-in
for "``--device cuda:1`` leaves cuda:0 alone", which needs GPUs (tools/gpu_check.sh)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

from tests.helpers import DEMO_DATA, PY, dump_cfg, run_tool_here, tiny_cfg

HC = 'configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py'
IMAGE = str(DEMO_DATA / 'images' / 'val' / '0016E5_07959.jpg')


@pytest.fixture
def cuda_reported(monkeypatch):
    """CUDA looks present (2 devices); using it still fails (no driver here)."""
    import mmengine.device.utils

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 2)
    # MMEngine decides its default device once, at import: decide it again
    monkeypatch.setattr(mmengine.device.utils, 'DEVICE', 'cuda')
    with pytest.raises(RuntimeError):  # the premise: a real CUDA call fails here
        torch.zeros(1, device='cuda:0')


@pytest.fixture
def model_files(tmp_path: Path) -> tuple[str, str]:
    """A tiny FCN-32 config (CamVid demo frames) and a checkpoint of it."""
    cfg = tiny_cfg(tmp_path / 'work', n_val=2)
    config = dump_cfg(cfg, tmp_path / 'cfg.py')
    register_all_modules(init_default_scope=True)
    model = MODELS.build(cfg.model)
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    return config, str(ckpt)


def _ok(args: list[str]) -> None:
    proc = run_tool_here([PY, *args])
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_benchmark_stays_on_cpu(cuda_reported, model_files, tmp_path: Path) -> None:
    config, ckpt = model_files
    _ok(
        [
            'tools/benchmark.py',
            HC,
            '--shape',
            '64',
            '64',
            '--iters',
            '1',
            '--repeat',
            '1',
            '--device',
            'cpu',
        ]
    )
    _ok(
        [
            'tools/benchmark.py',
            config,
            ckpt,
            '--mode',
            'dataloader',
            '--warmup',
            '1',
            '--iters',
            '1',
            '--device',
            'cpu',
        ]
    )


def test_get_flops_stays_on_cpu(cuda_reported) -> None:
    _ok(['tools/analysis/get_flops.py', HC, '--shape', '64', '64', '--device', 'cpu'])


def test_show_predictions_stays_on_cpu(cuda_reported, model_files, tmp_path: Path) -> None:
    config, ckpt = model_files
    _ok(
        [
            'tools/show_predictions.py',
            config,
            ckpt,
            '--out-dir',
            str(tmp_path / 'show'),
            '--num',
            '1',
            '--device',
            'cpu',
        ]
    )


def test_image_demo_stays_on_cpu(cuda_reported, model_files, tmp_path: Path) -> None:
    config, ckpt = model_files
    _ok(
        [
            'tools/misc/image_demo.py',
            config,
            ckpt,
            IMAGE,
            '--out',
            str(tmp_path / 'd.png'),
            '--device',
            'cpu',
        ]
    )


def test_the_check_sees_cuda_use(cuda_reported, model_files, tmp_path: Path) -> None:
    """The control: without ``--device`` the demo picks CUDA, reported present, and fails."""
    config, ckpt = model_files
    proc = run_tool_here(
        [PY, 'tools/misc/image_demo.py', config, ckpt, IMAGE, '--out', str(tmp_path / 'd.png')]
    )
    assert proc.returncode != 0 and 'cuda' in proc.stderr.lower()
