"""Stop training when the loss stops being finite, keeping the last good checkpoint.

(A model whose weights or buffers are not finite is refused at save time by
``SafeCheckpointHook``, with the same advice.)
"""

from __future__ import annotations

import math
import os.path as osp
from typing import Any

import torch
from mmengine import dist
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


class NonFiniteError(RuntimeError):
    """Training stopped on NaN or Inf."""


class NonFiniteLossError(NonFiniteError):
    """The training loss became NaN or Inf."""


class NonFiniteModelError(NonFiniteError):
    """A parameter or buffer of the model became NaN or Inf (the model was not saved)."""


def last_good_checkpoint_advice(runner: Any) -> str:
    """Which checkpoint to resume from, and how to lower the learning rate when doing so."""
    last = osp.join(runner.work_dir, 'last_checkpoint')
    kept = open(last).read().strip() if osp.isfile(last) else None
    if not kept:
        return 'No checkpoint had been saved yet.'
    return (
        f'Last good checkpoint: {kept} (resume with --resume, e.g. with a lower learning '
        'rate: --cfg-options optim_wrapper.optimizer.lr=...; a resumed run takes the '
        "config's learning rate and scales its schedule to it)."
    )


@HOOKS.register_module()
class NaNGuardHook(Hook):
    """Raise :class:`NonFiniteLossError` at the first iteration whose loss is NaN or Inf.

    Runs before ``CheckpointHook`` (priority ``ABOVE_NORMAL`` < ``VERY_LOW``), so the step
    whose loss diverged is never saved and ``last_checkpoint`` keeps pointing at the last
    good checkpoint. Under DDP every rank stops together (the flag is all-reduced), so no
    rank waits forever in a collective.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: dict | None = None
    ) -> None:
        values = {
            k: float(v.detach()) if isinstance(v, torch.Tensor) else float(v)
            for k, v in (outputs or {}).items()
            if 'loss' in k
        }
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        flag = torch.tensor([1.0 if bad else 0.0])
        if dist.is_distributed():
            flag = flag.to(dist.get_comm_device())
            dist.all_reduce(flag, op='sum')
        if flag.item() == 0:
            return
        raise NonFiniteLossError(
            f'loss is not finite at iteration {runner.iter + 1} '
            f'({bad or "on another rank"}); training stopped. '
            + last_good_checkpoint_advice(runner)
        )
