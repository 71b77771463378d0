"""Evaluate the starting model once, before the first training iteration."""

from __future__ import annotations

from typing import Any

from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class ValBeforeTrainHook(Hook):
    """Run the validation loop before training starts, so a run records where it began.

    Useful to see the gain of training (the demo), and to check that a model built from
    pretrained parts starts where they were (Transparent Initialization). The metrics are
    logged like any validation at iteration 0; ``self.history`` keeps ``(iteration,
    metrics)`` of this and every later validation of the run.
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self.history: list[tuple[int, dict]] = []

    def before_train(self, runner: Any) -> None:
        if runner.iter == 0 and getattr(runner, '_val_loop', None) is not None:
            runner.val_loop.run()
            runner.model.train()

    def after_val_epoch(self, runner: Any, metrics: dict | None = None) -> None:
        self.history.append((runner.iter, dict(metrics or {})))
