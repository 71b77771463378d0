"""Checkpoints that survive a kill at any instant and never hold a non-finite model.

MMEngine's ``CheckpointHook`` writes a checkpoint in place under its final name and removes
the oldest one *before* writing the new one, so a SIGKILL during the save leaves a truncated
``iter_N.pth`` and, with ``max_keep_ckpts=1``, no whole checkpoint at all.
:class:`SafeCheckpointHook` keeps MMEngine's schedule, names and options and changes the
order: write to a temporary file in the same folder, flush and fsync, ``os.replace`` to the
final name, fsync the folder, update ``last_checkpoint`` the same way, and only then remove
what is no longer kept. At every instant the folder holds a whole newest checkpoint or the
previous one, and ``last_checkpoint`` names a whole file.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import inspect
import logging
import math
import os
import os.path as osp
import re
import shutil
from collections.abc import Iterable
from itertools import chain
from typing import Any

import torch
from mmengine import dist
from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.registry import HOOKS

from .nan_guard_hook import NonFiniteModelError, last_good_checkpoint_advice
from .random_state import record_random_state

ATOMIC_BACKEND = 'segplug_atomic_local'
_PARTIAL = re.compile(r'^\..+\.\d+\.partial$')
STALE_KEY = 'segplug_stale_ckpts'  # message hub: checkpoints the last save made obsolete


def partial_path(path: str) -> str:
    """Where :func:`write_atomically` writes ``path`` before renaming it: a hidden file in
    the same folder (a rename is atomic only within one file system)."""
    folder, name = osp.split(osp.abspath(path))
    return osp.join(folder, f'.{name}.{os.getpid()}.partial')


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is, at every instant, either its old
    content or all of ``data``: a temporary file beside it, fsync, ``os.replace``, fsync of
    the folder (so the rename itself survives a power loss)."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = partial_path(path)
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as err:
        with contextlib.suppress(OSError):  # no hidden partial file left behind
            os.remove(tmp)
        if err.errno != errno.ENOSPC:
            raise
        free = shutil.disk_usage(folder).free
        raise OSError(
            err.errno,
            f'no space left to save {path}: it needs {len(data) / 2**20:.1f} MiB, '
            f'{free / 2**20:.1f} MiB are free in {folder} (the previous checkpoint is kept; '
            'atomic saves need room for the new file beside the old one)',
        ) from err
    replace_durably(tmp, path)


def replace_durably(tmp: str, path: str) -> None:
    """``os.replace(tmp, path)``, then fsync the folder."""
    os.replace(tmp, path)
    fd = os.open(osp.dirname(osp.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend whose ``put`` never leaves a partial file under the
    final name (what ``Runner.save_checkpoint`` writes checkpoints through)."""

    def put(self, obj: bytes, filepath: Any) -> None:
        write_atomically(str(filepath), obj)


register_backend(ATOMIC_BACKEND, AtomicLocalBackend, force=True)


def all_finite(tensors: Iterable[torch.Tensor]) -> bool:
    """Whether every floating-point tensor holds only finite values: one fused max-abs per
    tensor (``_foreach_norm`` with ord=inf, which propagates NaN and cannot overflow), and a
    single device synchronisation."""
    floats = [t.detach() for t in tensors if t.is_floating_point() and t.numel()]
    if not floats:
        return True
    norms = torch._foreach_norm(floats, float('inf'))
    device = floats[0].device
    return bool(torch.stack([n.to(device, torch.float32) for n in norms]).isfinite().all())


def nonfinite_tensors(model: torch.nn.Module) -> list[str]:
    """Names of the parameters and buffers of ``model`` holding NaN or Inf."""
    return [
        name
        for name, t in chain(model.named_parameters(), model.named_buffers())
        if t.is_floating_point() and not bool(torch.isfinite(t.detach()).all())
    ]


def _check_save_kwargs(kwargs: dict) -> None:
    """MMEngine's ``CheckpointHook`` keeps unknown arguments for ``runner.save_checkpoint``,
    to which it already passes every argument that takes by name: a misspelled one
    (``max_keep_ckpt=1``) passes start-up and fails at the first save, after the first
    interval of training. Refuse it now, with the closest names."""
    known = set(inspect.signature(CheckpointHook.__init__).parameters) - {'self', 'kwargs'}
    for key in kwargs:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=3, cutoff=0.6)
            raise ValueError(
                f'default_hooks.checkpoint.{key}: not an argument of the checkpoint hook'
                + (f'; did you mean {", ".join(close)}?' if close else '')
            )


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """MMEngine's ``CheckpointHook`` (same arguments), safe to kill at any instant.

    * Checkpoints and ``last_checkpoint`` are written atomically (see the module docstring);
      old checkpoints (``max_keep_ckpts``) and the previous best one (``save_best``) are
      removed only after the new one is complete. A checkpoint records the ones it made
      obsolete, so a run killed before removing them and resumed from it removes them then;
      leftover temporary files of a killed save are removed when training starts. Applies
      to a local ``out_dir`` without ``backend_args``; other storage backends keep
      MMEngine's behaviour.
    * Before every save, parameters and buffers are checked to be finite; a non-finite model
      is never saved: :class:`NonFiniteModelError` names the tensors and the last good
      checkpoint.
    * Every checkpoint holds every rank's random state
      (:func:`~segplug.engine.random_state.record_random_state`, gathered from all ranks
      before the rank-0 save); ``RandomStateHook`` restores it on resume.
    * On ``--resume``, a learning rate changed in the config since the checkpoint takes
      effect: each parameter group's current learning rate, its ``initial_lr`` and the LR
      schedulers' base values are scaled by new / old, so the schedule goes on from the
      resumed iteration at the new scale (MMEngine alone restores the checkpoint's).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _check_save_kwargs(kwargs)
        super().__init__(*args, **kwargs)
        self._config_lrs: list[float] | None = None

    # ---- saving -----------------------------------------------------------------------
    def before_train(self, runner: Any) -> None:
        local = '://' not in str(self.out_dir or runner.work_dir)
        if local and self.backend_args is None and self.file_client_args is None:
            self.backend_args = dict(backend=ATOMIC_BACKEND)
        super().before_train(runner)
        if is_main_process():
            self._prune(runner.message_hub.runtime_info.get(STALE_KEY, []))
        if isinstance(self.file_backend, AtomicLocalBackend) and is_main_process():
            for folder in {self.out_dir, runner.work_dir}:
                for name in os.listdir(folder) if osp.isdir(folder) else []:
                    if _PARTIAL.match(name):
                        os.remove(osp.join(folder, name))
                        runner.logger.info(f'removed {name}, left by a killed save')
        self._apply_config_lr(runner)

    def _save_checkpoint_with_step(self, runner: Any, step: int, meta: dict) -> None:
        """MMEngine's method with the removal of the oldest checkpoint moved after the save
        and the ``last_checkpoint`` update, and a finiteness check first."""
        self._refuse_nonfinite(runner)
        record_random_state(runner)
        stale = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale.append(self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        # saved in the new checkpoint: a run killed before removing them, resumed from it,
        # removes them then
        runner.message_hub.update_info(STALE_KEY, stale)
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args,
        )
        if not is_main_process():
            return
        self._point_last_checkpoint(runner)
        self._prune(stale)

    def _point_last_checkpoint(self, runner: Any) -> None:
        write_atomically(osp.join(runner.work_dir, 'last_checkpoint'), str(self.last_ckpt).encode())

    def _prune(self, names: list[str]) -> None:
        for name in names:
            path = self.file_backend.join_path(self.out_dir, name)
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # DeepSpeed saves folders
                self.file_backend.rmtree(path)

    def _save_best_checkpoint(self, runner: Any, metrics: dict) -> None:
        """MMEngine's, except that the previous best checkpoint is removed after the new
        one is written, not before."""
        if not self.save_best:
            return
        self._refuse_nonfinite(runner)
        record_random_state(runner)
        single = len(self.key_indicators) == 1
        previous = {None: self.best_ckpt_path} if single else dict(self.best_ckpt_path_dict)
        self._set_best_paths({k: None for k in previous})  # MMEngine removes what these name
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            current = {None: self.best_ckpt_path} if single else dict(self.best_ckpt_path_dict)
            self._set_best_paths({k: current[k] or old for k, old in previous.items()})
        for key, old in previous.items():
            if old and current[key] and current[key] != old and is_main_process():
                self._prune([osp.basename(old)])

    def _set_best_paths(self, paths: dict) -> None:
        if None in paths:
            self.best_ckpt_path = paths[None]
        else:
            self.best_ckpt_path_dict.update(paths)

    def _refuse_nonfinite(self, runner: Any) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        bad = not all_finite(chain(model.parameters(), model.buffers()))
        if dist.is_distributed():  # every rank stops together
            flag = torch.tensor([float(bad)], device=dist.get_comm_device())
            dist.all_reduce(flag, op='sum')
            bad = bool(flag.item())
        if not bad:
            return
        names = nonfinite_tensors(model)
        shown = ', '.join(names[:5]) + (f', ... ({len(names) - 5} more)' if len(names) > 5 else '')
        raise NonFiniteModelError(
            f'the model holds NaN/Inf after iteration {runner.iter + 1} '
            f'({shown or "on another rank"}); it was not saved. '
            + last_good_checkpoint_advice(runner, runner.iter + 1, loss_failed=False)
        )

    # ---- resuming with a new learning rate ---------------------------------------------
    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Record the config's learning rates before a resume replaces them."""
        wrapper = runner.optim_wrapper
        if (
            isinstance(wrapper, OptimWrapper)
            and not isinstance(wrapper, OptimWrapperDict)
            and 'optimizer' in checkpoint
        ):
            self._config_lrs = [
                g.get('initial_lr', g['lr']) for g in wrapper.optimizer.param_groups
            ]

    def _apply_config_lr(self, runner: Any) -> None:
        config_lrs, self._config_lrs = self._config_lrs, None
        if config_lrs is None or runner.iter == 0:
            return
        groups = runner.optim_wrapper.optimizer.param_groups
        schedulers = runner.param_schedulers or []
        if isinstance(schedulers, dict):
            schedulers = [s for group in schedulers.values() for s in group]
        lr_schedulers = [s for s in schedulers if getattr(s, 'param_name', None) == 'lr']
        for i, (group, new) in enumerate(zip(groups, config_lrs)):
            old = group.get('initial_lr', group['lr'])
            if math.isclose(old, new, rel_tol=1e-9, abs_tol=0.0):
                continue
            if old == 0:
                print_log(
                    f'resume: param group {i} has learning rate 0 in the checkpoint; '
                    f"the config's {new:g} is NOT applied",
                    logger='current',
                    level=logging.WARNING,
                )
                continue
            scale = new / old
            group['lr'] *= scale
            if 'initial_lr' in group:
                group['initial_lr'] = new
            for scheduler in lr_schedulers:
                scheduler.base_values[i] *= scale
                scheduler._last_value[i] *= scale
            print_log(
                f"resume: the config's learning rate {new:g} replaces the "
                f"checkpoint's {old:g} (param group {i}); the schedule goes on from "
                f'iteration {runner.iter} at {scale:g}x (lr now {group["lr"]:g})',
                logger='current',
                level=logging.WARNING,
            )
