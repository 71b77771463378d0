"""A loss that becomes NaN stops training and leaves the last good checkpoint in place."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmseg.registry import HOOKS

import segplug  # noqa: F401
from segplug.engine import adapt_cfg
from segplug.engine.nan_guard_hook import NonFiniteLossError
from tests.helpers import tiny_cfg


@HOOKS.register_module(force=True)
class PoisonWeightsHook(Hook):
    """Set one weight to NaN before iteration ``at`` (0-based): its loss is NaN."""

    def __init__(self, at: int) -> None:
        self.at = at

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        if runner.iter == self.at:
            model = runner.model.module if hasattr(runner.model, 'module') else runner.model
            with torch.no_grad():
                model.decode_head.conv_seg.weight[0, 0, 0, 0] = float('nan')


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path, max_iters=8, ckpt_interval=2)
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'DataCheckHook']
    cfg.custom_hooks.append(dict(type='PoisonWeightsHook', at=4))  # the 5th iteration
    adapt_cfg(cfg)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(NonFiniteLossError, match='not finite at iteration 5') as err:
        runner.train()
    assert 'iter_4.pth' in str(err.value)
    assert (tmp_path / 'last_checkpoint').read_text().strip().endswith('iter_4.pth')
    assert not (tmp_path / 'iter_6.pth').exists()
    ckpt = torch.load(tmp_path / 'iter_4.pth', map_location='cpu')
    assert ckpt['meta']['iter'] == 4
    assert all(torch.isfinite(v).all() for v in ckpt['state_dict'].values()
               if v.is_floating_point())


def test_finite_losses_pass(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path, max_iters=2, ckpt_interval=2)
    adapt_cfg(cfg)
    Runner.from_cfg(cfg).train()
    assert (tmp_path / 'iter_2.pth').exists()
