"""Hooks used only by the tests, imported into subprocess runs via ``custom_imports``."""

from __future__ import annotations

import os
import os.path as osp
import time
from typing import Any

import torch
from mmengine import dist
from mmengine.fileio import register_backend
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from segplug.engine.checkpoint_hook import AtomicLocalBackend, SafeCheckpointHook, partial_path


@HOOKS.register_module()
class SleepHook(Hook):
    """Sleep after each iteration, so a test can kill a run between two checkpoints."""

    def __init__(self, seconds: float = 0.2) -> None:
        self.seconds = seconds

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        time.sleep(self.seconds)


@HOOKS.register_module()
class DumpWeightsHook(Hook):
    """After training, every rank saves its own state dict to ``work_dir/rank{r}.pth``."""

    def after_train(self, runner: Any) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        torch.save(
            {k: v.detach().cpu() for k, v in model.state_dict().items()},
            osp.join(runner.work_dir, f'rank{dist.get_rank()}.pth'),
        )


# ---- fault injection: pause a real training at a chosen moment, for a test to SIGKILL it ----
# SEGPLUG_TEST_PAUSE='PHASE@STEP' (PHASE: write, pointer, prune, iter, val) makes the run write
# work_dir/paused-PHASE-STEP and sleep there:
#   write    halfway through writing iter_STEP.pth (its temporary file is half written)
#   pointer  iter_STEP.pth complete under its name, last_checkpoint not yet updated
#   prune    last_checkpoint updated, older checkpoints (max_keep_ckpts) not yet removed
#   iter     after iteration STEP (and its checkpoint, if any)
#   val      in the validation after iteration STEP, after its first image


def _pause_spec() -> tuple[str, int] | None:
    spec = os.environ.get('SEGPLUG_TEST_PAUSE')
    if not spec:
        return None
    phase, step = spec.split('@')
    return phase, int(step)


def _pause(folder: str, phase: str, step: int) -> None:
    with open(osp.join(folder, f'paused-{phase}-{step}'), 'w'):
        pass
    time.sleep(3600)  # until the test kills us


class PausingAtomicBackend(AtomicLocalBackend):
    """Writes half of iter_STEP.pth's temporary file, then pauses (``write`` phase)."""

    def put(self, obj: bytes, filepath: Any) -> None:
        spec = _pause_spec()
        if spec and spec[0] == 'write' and str(filepath).endswith(f'iter_{spec[1]}.pth'):
            with open(partial_path(str(filepath)), 'wb') as f:
                f.write(obj[: len(obj) // 2])
            _pause(osp.dirname(str(filepath)), *spec)
        super().put(obj, filepath)


register_backend('segplug_test_pausing', PausingAtomicBackend, force=True)


@HOOKS.register_module()
class PausingCheckpointHook(SafeCheckpointHook):
    """``SafeCheckpointHook`` that pauses where ``SEGPLUG_TEST_PAUSE`` says."""

    def before_train(self, runner: Any) -> None:
        self.backend_args = dict(backend='segplug_test_pausing')
        self._runner = runner  # for _prune
        super().before_train(runner)

    def _at(self, phase: str, runner: Any) -> None:
        spec = _pause_spec()
        if spec == (phase, runner.iter + 1):
            _pause(runner.work_dir, *spec)

    def _point_last_checkpoint(self, runner: Any) -> None:
        self._at('pointer', runner)
        super()._point_last_checkpoint(runner)

    def _prune(self, names: list[str]) -> None:
        self._at('prune', self._runner)
        super()._prune(names)

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        super().after_train_iter(runner, batch_idx, data_batch, outputs)
        self._at('iter', runner)

    def after_val_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        super().after_val_iter(runner, batch_idx, data_batch, outputs)
        if _pause_spec() == ('val', runner.iter):  # the train loop counted the iteration
            _pause(runner.work_dir, 'val', runner.iter)
