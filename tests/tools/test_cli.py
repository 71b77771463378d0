"""tools/test.py's options (--out, --show-dir, --tta), its strict checkpoint loading, and
tools/train.py's --amp and --cfg-options checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.runner import Runner
from PIL import Image

import segplug  # noqa: F401
from segplug.engine import adapt_cfg
from tests.helpers import PY, TEST, TRAIN, dump_cfg, run_tool, tiny_cfg

pytestmark = pytest.mark.slow  # tools run as subprocesses


@pytest.fixture(scope='module')
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    work = tmp_path_factory.mktemp('cli')
    cfg = tiny_cfg(work, max_iters=2, ckpt_interval=2, n_val=2)
    path = dump_cfg(cfg, work / 'cfg.py')
    adapt_cfg(cfg)
    Runner.from_cfg(cfg).train()
    return path, str(work / 'iter_2.pth')


def test_out_and_show_dir(tmp_path: Path, trained: tuple[str, str]) -> None:
    cfg, ckpt = trained
    out, show = tmp_path / 'preds', tmp_path / 'show'
    run_tool(
        [
            PY,
            TEST,
            cfg,
            ckpt,
            '--work-dir',
            str(tmp_path / 'w'),
            '--out',
            str(out),
            '--show-dir',
            str(show),
        ]
    )
    preds = sorted(out.glob('*.png'))
    assert len(preds) == 2
    pred = np.asarray(Image.open(preds[0]))
    assert pred.shape == (360, 480) and pred.max() < 11  # label ids at the original size
    painted = list(show.rglob('vis_image/*.png'))
    assert len(painted) == 2


def test_tta(tmp_path: Path, trained: tuple[str, str]) -> None:
    cfg, ckpt = trained
    proc = run_tool([PY, TEST, cfg, ckpt, '--work-dir', str(tmp_path), '--tta'])
    assert 'mIoU' in proc.stdout + proc.stderr


def test_amp_float16_without_gpu_is_a_clear_error(tmp_path: Path, trained: tuple[str, str]) -> None:
    """Without a GPU, --amp is bfloat16 autocast (tests/engine/test_amp.py trains every
    family so); float16 has no loss scaler there and is refused before anything is built."""
    cfg, _ = trained
    proc = run_tool(
        [PY, TRAIN, cfg, '--amp', '--amp-dtype', 'float16', '--work-dir', str(tmp_path)],
        check=False,
    )
    if torch.cuda.is_available():
        return
    assert proc.returncode != 0 and '--amp-dtype float16 needs a GPU' in proc.stderr
    assert not list(tmp_path.glob('*.pth'))
    proc = run_tool([PY, TRAIN, cfg, '--amp-dtype', 'bfloat16'], check=False)
    assert proc.returncode != 0 and 'add --amp' in proc.stderr


def test_missing_checkpoint_is_a_clear_error(trained: tuple[str, str]) -> None:
    cfg, _ = trained
    proc = run_tool([PY, TEST, cfg, '/no/such.pth'], check=False)
    assert proc.returncode != 0 and 'checkpoint file not found: /no/such.pth' in proc.stderr


def test_checkpoint_of_another_model_is_refused(tmp_path: Path, trained: tuple[str, str]) -> None:
    """MMEngine's load_from only warns and scores randomly initialised layers."""
    cfg, ckpt = trained
    other = torch.load(ckpt, map_location='cpu')
    other['state_dict'] = {
        k: v for k, v in other['state_dict'].items() if not k.startswith('auxiliary_head.')
    }
    other['state_dict']['neck.lateral.weight'] = torch.zeros(1)
    path = tmp_path / 'other.pth'
    torch.save(other, path)
    proc = run_tool([PY, TEST, cfg, str(path), '--work-dir', str(tmp_path)], check=False)
    assert proc.returncode != 0
    assert (
        f'{path} does not fit the model' in proc.stderr
        and 'missing keys (auxiliary_head.' in proc.stderr
        and 'unexpected keys (neck.lateral.weight)' in proc.stderr
    ), proc.stderr[-2000:]
    assert 'Iter(test)' not in proc.stdout + proc.stderr  # nothing was scored
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(open(ckpt, 'rb').read()[:4096])
    proc = run_tool([PY, TEST, cfg, str(truncated)], check=False)
    assert proc.returncode != 0 and f'{truncated}: not a' in proc.stderr


def test_cfg_options_that_do_nothing_are_refused(trained: tuple[str, str]) -> None:
    cfg, _ = trained
    proc = run_tool([PY, TRAIN, cfg, '--cfg-options', 'trian_cfg.max_iters=2'], check=False)
    assert proc.returncode != 0
    assert (
        "--cfg-options trian_cfg.max_iters: the config has no key 'trian_cfg'; closest: "
        'train_cfg' in proc.stderr
    ), proc.stderr[-2000:]
    proc = run_tool([PY, TEST, cfg, 'x.pth', '--cfg-options', 'a=1', 'model.backbone'], check=False)
    assert proc.returncode == 2
    assert "argument --cfg-options: 'model.backbone' is not KEY=VALUE" in proc.stderr
