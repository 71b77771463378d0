"""A loss that becomes NaN stops training and leaves the last good checkpoint in place; a
model that becomes NaN/Inf is never saved; resuming with a lower learning rate uses it. With a
huge learning rate the guard names the checkpoint saved before the loss began to grow, not the
newer finite but diverged ones, and resuming from it works."""

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
from segplug.engine.nan_guard_hook import (
    NonFiniteError,
    NonFiniteLossError,
    NonFiniteModelError,
)
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
    cfg = tiny_cfg(tmp_path, max_iters=8, ckpt_interval=2, narrow=True)
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'DataCheckHook']
    cfg.custom_hooks.append(dict(type='PoisonWeightsHook', at=4))  # the 5th iteration
    adapt_cfg(cfg)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(NonFiniteLossError, match='not finite at iteration 5') as err:
        runner.train()
    # a resume from iter_4.pth would repeat iteration 5 exactly: iter_2.pth is named
    assert f'Last good checkpoint: {tmp_path}/iter_2.pth' in str(err.value)
    assert 'Not iter_4.pth: a resume from iteration 4 repeats iteration 5' in str(err.value)
    assert (tmp_path / 'last_checkpoint').read_text().strip().endswith('iter_4.pth')
    assert not (tmp_path / 'iter_6.pth').exists()
    ckpt = torch.load(tmp_path / 'iter_4.pth', map_location='cpu')
    assert ckpt['meta']['iter'] == 4
    assert all(
        torch.isfinite(v).all() for v in ckpt['state_dict'].values() if v.is_floating_point()
    )


def test_finite_losses_pass(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path, max_iters=2, ckpt_interval=2, narrow=True)
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
    cfg = tiny_cfg(tmp_path, max_iters=6, ckpt_interval=2, narrow=True)
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
        cfg = tiny_cfg(work, max_iters=6, ckpt_interval=4, narrow=True)
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


@HOOKS.register_module(force=True)
class BoostLRHook(Hook):
    """Multiply the learning rate by ``factor`` before iteration ``at`` (1-based): a peak
    far too high from there on."""

    def __init__(self, at: int, factor: float) -> None:
        self.at, self.factor = at, factor

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        if runner.iter + 1 == self.at:
            for group in runner.optim_wrapper.optimizer.param_groups:
                group['lr'] *= self.factor


def huge_lr_cfg(work: Path, boost_at: int | None = None, **kwargs: Any):
    cfg = tiny_cfg(work, max_iters=10, narrow=True, **kwargs)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = []  # a constant learning rate
    cfg.randomness = dict(seed=0)
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'DataCheckHook']
    if boost_at:  # lr 1e-3 -> 1e6 (AdamW: weights x -1e4 a step by the weight decay alone)
        cfg.custom_hooks.append(dict(type='BoostLRHook', at=boost_at, factor=1e9))
    return adapt_cfg(cfg)


def test_huge_learning_rate_names_the_checkpoint_before_the_loss_grew(tmp_path: Path) -> None:
    """lr x1e9 from iteration 5: the loss grows at 6 and is NaN at 7. iter_6.pth is finite
    (the old guard named it), but already diverged: a resume from it at a 10x lower learning
    rate stops again. The guard names iter_4.pth, and a resume from it trains to the end."""
    run = tmp_path / 'run'
    runner = Runner.from_cfg(huge_lr_cfg(run, boost_at=5))
    with pytest.raises(NonFiniteLossError, match='not finite at iteration 7') as err:
        runner.train()
    message = str(err.value)
    assert f'Last good checkpoint: {run}/iter_4.pth' in message
    assert 'Not iter_6.pth: the loss began to grow at iteration 6' in message
    assert f'load_from={run}/iter_4.pth' in message
    diverged = torch.load(run / 'iter_6.pth', map_location='cpu')['state_dict']
    assert all(torch.isfinite(v).all() for v in diverged.values() if v.is_floating_point())
    assert max(v.abs().max() for v in diverged.values() if v.is_floating_point()) > 1e6

    def resume(work: Path, checkpoint: str) -> Runner:
        cfg = huge_lr_cfg(work)
        cfg.optim_wrapper.optimizer.lr *= 0.1
        cfg.resume, cfg.load_from = True, checkpoint
        resumed = Runner.from_cfg(cfg)
        resumed.train()
        return resumed

    with pytest.raises(NonFiniteLossError, match='not finite at iteration 7'):
        resume(tmp_path / 'from6', str(run / 'iter_6.pth'))  # the old advice
    resumed = resume(tmp_path / 'from4', str(run / 'iter_4.pth'))
    losses = resumed.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 10 and all(0 < x < 10 for x in losses)


def test_huge_learning_rate_from_the_start_advises_starting_again(tmp_path: Path) -> None:
    """lr=1e6 from the first step: the loss grows at iteration 2, so no checkpoint (one
    every iteration, all finite until the model overflows) can be good."""
    cfg = huge_lr_cfg(tmp_path, ckpt_interval=1)
    cfg.optim_wrapper.optimizer.lr = 1e6
    with pytest.raises(NonFiniteError) as err:
        Runner.from_cfg(cfg).train()
    message = str(err.value)
    assert 'No checkpoint can be good: the loss began to grow at iteration 2' in message
    assert 'Start again in a new work dir (--resume here would take iter_' in message
    assert 'Last good checkpoint' not in message
