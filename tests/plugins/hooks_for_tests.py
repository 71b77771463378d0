"""Hooks used only by the tests, imported into subprocess runs via ``custom_imports``."""
from __future__ import annotations

import os.path as osp
import time
from typing import Any

import torch
from mmengine import dist
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS


@HOOKS.register_module()
class SleepHook(Hook):
    """Sleep after each iteration, so a test can kill a run between two checkpoints."""

    def __init__(self, seconds: float = 0.2) -> None:
        self.seconds = seconds

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:
        time.sleep(self.seconds)


@HOOKS.register_module()
class DumpWeightsHook(Hook):
    """After training, every rank saves its own state dict to ``work_dir/rank{r}.pth``."""

    def after_train(self, runner: Any) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()},
                   osp.join(runner.work_dir, f'rank{dist.get_rank()}.pth'))
