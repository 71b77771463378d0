"""segplug.utils.collect_env: the versions it reports are the ones imported here."""

from __future__ import annotations

import mmcv
import mmengine
import mmseg
import pytest
import timm
import torch
import torchvision

import segplug
from segplug.utils.collect_env import collect_env, cuda_version, main, mmcv_ops_status


def test_report_names_every_package_with_its_version(capsys: pytest.CaptureFixture) -> None:
    env = collect_env()
    assert env['PyTorch'] == torch.__version__
    assert env['TorchVision'].startswith(torchvision.__version__)
    assert env['MMCV'] == mmcv.__version__ and env['MMEngine'] == mmengine.__version__
    assert env['MMSegmentation'] == mmseg.__version__ and env['timm'] == timm.__version__
    assert env['segplug'].startswith(segplug.__version__)
    assert env['CUDA available'] == torch.cuda.is_available()
    main()
    printed = capsys.readouterr().out.splitlines()
    assert f'segplug: {env["segplug"]}' in printed and f'MMCV ops: {env["MMCV ops"]}' in printed


def test_mmcv_ops_status_says_compiled_and_which_cuda() -> None:
    from mmcv.ops import get_compiling_cuda_version  # segplug's stack has compiled ops

    status = mmcv_ops_status()
    cuda = get_compiling_cuda_version()
    assert status == (
        'compiled, CPU only' if cuda == 'not available' else f'compiled with CUDA {cuda}'
    )


@pytest.mark.parametrize(
    'raw,shown', [(13000, '13.0'), ('12010', '12.1'), ('11.8', '11.8'), (None, 'none (CPU build)')]
)
def test_cuda_version_format(raw: int | str | None, shown: str) -> None:
    assert cuda_version(raw) == shown
