"""A progress bar over validation and test sets (rank 0 only)."""

from __future__ import annotations

from typing import Any

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar
from mmseg.registry import HOOKS


@HOOKS.register_module()
class EvalProgressHook(Hook):
    """Show ``[>>>>   ] 40/101, 5.8 task/s, elapsed: 7s, ETA: 10s`` while evaluating."""

    priority = 'LOW'

    def __init__(self) -> None:
        self._bar: ProgressBar | None = None

    def _start(self, runner: Any, loop: Any) -> None:
        if is_main_process():
            self._bar = ProgressBar(len(loop.dataloader))

    def _step(self) -> None:
        if self._bar is not None:
            self._bar.update()

    def _end(self) -> None:
        if self._bar is not None:
            self._bar.file.write('\n')
        self._bar = None

    def before_val_epoch(self, runner: Any) -> None:
        self._start(runner, runner.val_loop)

    def before_test_epoch(self, runner: Any) -> None:
        self._start(runner, runner.test_loop)

    def after_val_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        self._step()

    def after_test_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        self._step()

    def after_val_epoch(self, runner: Any, metrics: Any = None) -> None:
        self._end()

    def after_test_epoch(self, runner: Any, metrics: Any = None) -> None:
        self._end()
