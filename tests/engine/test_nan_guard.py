"""A loss that becomes NaN stops training and leaves the last good checkpoint in place; a
model that becomes NaN/Inf is never saved; resuming with a lower learning rate uses it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmseg.registry import HOOKS

import segplug  # noqa: F401
from segplug.engine import adapt_cfg, resolve_resume
from segplug.engine.nan_guard_hook import NonFiniteLossError, NonFiniteModelError
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
    assert all(
        torch.isfinite(v).all() for v in ckpt['state_dict'].values() if v.is_floating_point()
    )


def test_finite_losses_pass(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path, max_iters=2, ckpt_interval=2)
    adapt_cfg(cfg)
    Runner.from_cfg(cfg).train()
    assert (tmp_path / 'iter_2.pth').exists()


@HOOKS.register_module(force=True)
class PoisonBufferHook(Hook):
    """After iteration ``at`` (1-based) and before its checkpoint is written, set a BN
    running variance to Inf: the loss of that iteration was finite, the model is not."""

    priority = 'NORMAL'  # before CheckpointHook (VERY_LOW)

    def __init__(self, at: int) -> None:
        self.at = at

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if runner.iter + 1 == self.at:
            model = runner.model.module if hasattr(runner.model, 'module') else runner.model
            model.backbone.stem[1].running_var[0] = float('inf')


def test_nonfinite_model_is_never_saved(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path, max_iters=6, ckpt_interval=2)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'DataCheckHook']
    cfg.custom_hooks.append(dict(type='PoisonBufferHook', at=4))
    adapt_cfg(cfg)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(
        NonFiniteModelError,
        match=r'NaN/Inf after iteration 4 '
        r'\(backbone\.stem\.1\.running_var\)',
    ) as err:
        runner.train()
    assert 'iter_2.pth' in str(err.value) and 'optim_wrapper.optimizer.lr' in str(err.value)
    assert not (tmp_path / 'iter_4.pth').exists()
    assert (tmp_path / 'last_checkpoint').read_text().strip().endswith('iter_2.pth')


def lrs(runner: Runner) -> list[float]:
    return list(runner.message_hub.get_scalar('train/lr').data[0])


def test_resume_with_a_lower_learning_rate_takes_effect(tmp_path: Path) -> None:
    """The NaN guard's advice: resume with a lower learning rate. MMEngine alone would
    restore the checkpoint's learning rate and schedule and ignore the config's."""

    def run(work: Path, lr_scale: float = 1.0, resume_from: str | None = None) -> Runner:
        cfg = tiny_cfg(work, max_iters=6, ckpt_interval=4)
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.randomness = dict(seed=0)
        cfg.optim_wrapper.optimizer.lr *= lr_scale
        cfg.resume, cfg.load_from = resume_from is not None, resume_from
        adapt_cfg(cfg)
        resolve_resume(cfg)
        runner = Runner.from_cfg(cfg)
        runner.train()
        return runner

    ref = lrs(run(tmp_path / 'ref'))  # lr of iterations 1..6
    resumed = lrs(
        run(tmp_path / 'low', lr_scale=0.1, resume_from=str(tmp_path / 'ref' / 'iter_4.pth'))
    )
    assert resumed[:4] == ref[:4]
    assert resumed[4] == pytest.approx(ref[4] * 0.1, rel=1e-9)  # iteration 5
