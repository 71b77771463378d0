"""Stop training when the loss stops being finite, naming the last checkpoint that is good.

Finite is not good enough. With a learning rate far too high the loss grows by orders of
magnitude for a few iterations before it overflows; the checkpoints saved meanwhile are finite
but already diverged (lr=1e6 with AdamW: largest weight 1.8e25), and a resume from them at a
lower learning rate stops again. And a resume is bit-exact (``segplug.engine.random_state``):
from the checkpoint saved just before the failing iteration it repeats that iteration's
forward pass exactly (same weights, batch and dropout), whatever the learning rate, which
acts only from the next step on.

So a checkpoint is judged by the loss its weights gave in the next iteration, against the
run's own history: MMEngine's message hub keeps every training loss (``train/loss``) and
saves it with each checkpoint, so the history spans resumes. A loss has *grown* when it is
over ``growth`` times the run's lowest typical loss before it (the lowest median of
``window`` consecutive losses); the divergence began at the first grown loss after the last
``window`` healthy ones in a row. The last good checkpoint is the newest one on disk whose
next iteration came before the divergence and before the failing iteration.

(A model whose weights or buffers are not finite is refused at save time by
``SafeCheckpointHook``, with the same advice.)
"""

from __future__ import annotations

import math
import os
import os.path as osp
import re
import warnings
from typing import Any

import numpy as np
import torch
from mmengine import dist
from mmengine.hooks import Hook
from mmseg.registry import HOOKS
from numpy.lib.stride_tricks import sliding_window_view

GROWTH = 10.0
WINDOW = 10
_ITER_CHECKPOINT = re.compile(r'^iter_(\d+)\.pth$')


class NonFiniteError(RuntimeError):
    """Training stopped on NaN or Inf."""


class NonFiniteLossError(NonFiniteError):
    """The training loss became NaN or Inf."""


class NonFiniteModelError(NonFiniteError):
    """A parameter or buffer of the model became NaN or Inf (the model was not saved)."""


def typical_loss_floor(losses: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """For each loss, the run's lowest typical loss *before* it: the lowest median of
    ``window`` consecutive losses (fewer at the start) up to the previous one; NaN for the
    first. Non-finite losses are left out of the medians. (n,) -> (n,)."""
    x = np.asarray(losses, dtype=np.float64)
    if x.size == 0:
        return x
    x = np.where(np.isfinite(x), x, np.nan)
    padded = np.concatenate([np.full(window - 1, np.nan), x])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)  # a window of NaN only
        medians = np.nanmedian(sliding_window_view(padded, window), axis=1)
    lowest = np.fmin.accumulate(medians)  # fmin skips NaN
    return np.concatenate([[np.nan], lowest[:-1]])


def grown_losses(losses: np.ndarray, growth: float = GROWTH, window: int = WINDOW) -> np.ndarray:
    """Which losses had grown: not finite, or over ``growth`` times
    :func:`typical_loss_floor` (never when that floor is not positive). (n,) bool."""
    x = np.asarray(losses, dtype=np.float64)
    floor = typical_loss_floor(x, window)
    with np.errstate(invalid='ignore'):
        return ~np.isfinite(x) | ((floor > 0) & (x > growth * floor))


def divergence_onset(grown: np.ndarray, window: int = WINDOW) -> int | None:
    """Index of the first grown loss after the last ``window`` healthy ones in a row (an
    isolated spike the run recovered from does not count), or None if the last ``window``
    losses are healthy."""
    onset, healthy = None, 0
    for i, g in enumerate(grown):
        if g:
            onset = i if onset is None else onset
            healthy = 0
        else:
            healthy += 1
            if healthy >= window:
                onset = None
    return onset


def _saved_checkpoints(runner: Any) -> dict[int, str]:
    """``iter_N.pth`` files of the folder ``last_checkpoint`` points into, by N."""
    pointer = osp.join(runner.work_dir, 'last_checkpoint')
    named = open(pointer).read().strip() if osp.isfile(pointer) else ''
    if not named:
        return {}
    folder = osp.dirname(named) if osp.isdir(osp.dirname(named)) else runner.work_dir
    return {
        int(m.group(1)): osp.join(folder, name)
        for name in os.listdir(folder)
        if (m := _ITER_CHECKPOINT.match(name))
    }


def _loss_history(runner: Any) -> np.ndarray:
    try:
        return np.asarray(runner.message_hub.get_scalar('train/loss').data[0], dtype=np.float64)
    except KeyError:  # a model that logs no total loss: judged by finiteness only
        return np.zeros(0)


LOWER_LR = 'optim_wrapper.optimizer.lr=...'


def last_good_checkpoint_advice(runner: Any, stopped_at: int, loss_failed: bool) -> str:
    """Which checkpoint to resume from, why not the newer ones, and how to lower the
    learning rate (module docstring).

    Args:
        runner: the runner; its message hub holds the losses up to ``stopped_at``, its
            ``NaNGuardHook`` (if any) the ``growth`` and ``window`` to judge them by.
        stopped_at: the iteration (1-based) training stopped at.
        loss_failed: its loss was not finite, so its forward pass must not be repeated
            from the same weights; False: its loss was finite, its step made the model
            non-finite.
    """
    guard = next((h for h in runner.hooks if isinstance(h, NaNGuardHook)), None)
    growth, window = (guard.growth, guard.window) if guard else (GROWTH, WINDOW)
    losses = _loss_history(runner)
    grown = grown_losses(losses, growth, window)
    floor = typical_loss_floor(losses, window)
    first = stopped_at - len(losses) + 1  # the iteration of losses[0]
    onset = divergence_onset(grown[:-1] if loss_failed else grown, window)
    # the first forward pass that must not be repeated from the weights before it
    bad = stopped_at if loss_failed else stopped_at + 1
    growing = onset is not None  # before ``bad``: the failing loss is not in ``grown`` then
    if growing:
        bad = first + onset

    def healthy(it: int) -> bool:
        i = it - first
        return not (0 <= i < len(grown)) or not grown[i]

    saved = _saved_checkpoints(runner)
    if growing:
        i = bad - first
        why_not = (
            f'the loss began to grow at iteration {bad} ({losses[i]:.3g}, over {growth:g}x '
            f'the lowest typical loss of the run before it, {floor[i]:.3g}), so checkpoints '
            f'saved from iteration {bad - 1} on may already have diverged'
        )
    else:
        why_not = (
            f'a resume from iteration {bad - 1} repeats iteration {bad} exactly (same weights, '
            'batch and random draws: resumes are bit-exact), whose '
            + ('loss was not finite' if loss_failed else 'step made the model non-finite')
            + ', whatever the learning rate'
        )
    good = [k for k in saved if k + 1 < bad and healthy(k + 1)]
    if not good:
        if not saved:
            head = 'No checkpoint had been saved yet' + (f': {why_not}' if growing else '')
        elif bad <= 2:
            head = f'No checkpoint can be good: {why_not}'
        else:
            head = (
                f'No checkpoint saved before iteration {bad - 1} is on disk (max_keep_ckpts '
                f'may have removed older ones): {why_not}'
            )
        again = (
            f' in a new work dir (--resume here would take {osp.basename(saved[max(saved)])})'
            if saved
            else ''
        )
        return f'{head}. Start again{again} with a lower learning rate (--cfg-options {LOWER_LR}).'
    step = max(good)
    path = saved[step]
    i = step + 1 - first
    text = f'Last good checkpoint: {path}'
    if 0 <= i < len(losses):
        text += f' (its weights gave a loss of {losses[i]:.3g} at iteration {step + 1})'
    newer = [osp.basename(saved[k]) for k in sorted(saved) if k > step]
    if newer:
        text += f'. Not {", ".join(newer)}: {why_not}'
    return text + (
        f'. Resume from it with a lower learning rate: --resume --cfg-options '
        f"load_from={path} {LOWER_LR} (a resumed run takes the config's learning rate and "
        'scales its schedule to it).'
    )


@HOOKS.register_module()
class NaNGuardHook(Hook):
    """Raise :class:`NonFiniteLossError` at the first iteration whose loss is NaN or Inf,
    naming the last good checkpoint (module docstring).

    Runs before ``CheckpointHook`` (priority ``ABOVE_NORMAL`` < ``VERY_LOW``), so the step
    whose loss diverged is never saved. Under DDP every rank stops together (the flag is
    all-reduced), so no rank waits forever in a collective.

    Args:
        growth: a loss over ``growth`` times the run's lowest typical loss has grown.
        window: how many consecutive losses make a typical loss (their median), and how
            many healthy ones in a row end a divergence (a spike the run recovered from).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, growth: float = GROWTH, window: int = WINDOW) -> None:
        if not growth > 1:
            raise ValueError(f'NaNGuardHook: growth must be > 1, got {growth!r}')
        if int(window) != window or window < 1:
            raise ValueError(f'NaNGuardHook: window must be an integer >= 1, got {window!r}')
        self.growth, self.window = float(growth), int(window)

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
            + last_good_checkpoint_advice(runner, runner.iter + 1, loss_failed=True)
        )
