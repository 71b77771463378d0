"""Make a config written for multi-GPU MMSegmentation training run on whatever is here."""

from __future__ import annotations

import logging
import os
import os.path as osp

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log

from .cfg_options import merge_cfg_options
from .checkpoint import checkpoint_damage, find_resume_checkpoint
from .checkpoint_hook import write_atomically

CHECK_HOOKS = ('DataCheckHook', 'NaNGuardHook')


def load_cfg(
    config: str,
    cfg_options: dict | None = None,
    work_dir: str | None = None,
    launcher: str = 'none',
    require_model: bool = False,
) -> Config:
    """Load a config the way MMSegmentation's tools do: options merged, work_dir defaulted
    to ``./work_dirs/{config name}``, launcher recorded.

    ``cfg_options`` are checked first (:func:`~segplug.engine.cfg_options.check_cfg_options`):
    a top-level key the config lacks is a ``ValueError`` naming the closest keys. An empty
    config file, or one without ``model`` when ``require_model`` (training, testing), is a
    ``ValueError`` naming the file.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file not found: {config}')
    if osp.getsize(config) == 0:
        raise ValueError(f'{config}: the config file is empty')
    cfg = Config.fromfile(config)
    if require_model and 'model' not in cfg:
        raise ValueError(
            f'{config}: the config defines no `model` (nor does any _base_ it names); '
            f'its keys: {", ".join(sorted(cfg.keys())) or "none"}'
        )
    cfg.launcher = launcher
    merge_cfg_options(cfg, cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg


#: what has no deterministic CUDA backward (torch raises under use_deterministic_algorithms)
NONDETERMINISTIC_ON_CUDA = (
    'bilinear F.interpolate (every decode head resizes its logits to the labels in the loss)',
    "adaptive average pooling (PSPNet's pyramid pooling, the ASPP image pool)",
    'bincount with weights (the UOI / soft IoU loss)',
)


def check_deterministic_possible() -> None:
    """``randomness.deterministic=True`` makes MMEngine call
    ``torch.use_deterministic_algorithms(True)``; on CUDA every segmentation model then stops
    at its first backward (:data:`NONDETERMINISTIC_ON_CUDA`). Refuse before training.

    Raises:
        ValueError: on a machine with a GPU.
    """
    if torch.cuda.is_available():
        raise ValueError(
            'randomness.deterministic=True (--deterministic): on CUDA the first backward would '
            'stop, since torch has no deterministic CUDA kernel for '
            + '; '.join(NONDETERMINISTIC_ON_CUDA)
            + '. Compare seeds by mean +- std instead, or run on CPU, where same-seed runs '
            'repeat exactly (no option needed).'
        )


def adapt_cfg(cfg: Config) -> Config:
    """Adapt ``cfg`` in place to this machine: device adaptation only (and a top-level
    ``find_unused_parameters``, which MMEngine would drop silently, and a deterministic run
    on CUDA, which would stop at the first backward, refused).

    No GPU: the distributed backend becomes ``gloo`` (``nccl`` needs CUDA). Everything else
    (segplug's hooks, ``SafeCheckpointHook``, the CPU-capable DDP wrapper
    ``SegDistributedDataParallel``) is declared once, in ``configs/_base_/segplug_runtime.py``
    and the schedules, so MMSegmentation's own ``tools/train.py`` runs the same policy.
    """
    if 'find_unused_parameters' in cfg and cfg.get('model_wrapper_cfg'):
        raise ValueError(
            f'find_unused_parameters={cfg.find_unused_parameters!r} at the top level of the '
            "config is ignored by MMEngine when model_wrapper_cfg is set (segplug's runtime "
            'sets it): set model_wrapper_cfg.find_unused_parameters instead '
            '(--cfg-options model_wrapper_cfg.find_unused_parameters=True)'
        )
    if cfg.get('randomness', {}).get('deterministic'):
        check_deterministic_possible()
    if not torch.cuda.is_available():
        env = cfg.setdefault('env_cfg', {})
        dist_cfg = env.setdefault('dist_cfg', {})
        if dist_cfg.get('backend', 'nccl') == 'nccl':
            dist_cfg['backend'] = 'gloo'
    return cfg


def without_checks(cfg: Config) -> Config:
    """``--no-checks``: drop segplug's up-front data check and NaN guard from ``custom_hooks``."""
    cfg.custom_hooks = [
        h for h in cfg.get('custom_hooks', None) or [] if h.get('type') not in CHECK_HOOKS
    ]
    return cfg


def init_cpu_distributed(cfg: Config) -> None:
    """Start the process group for a ``torchrun`` launch on a machine without a GPU.

    MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` unconditionally, which fails
    where there is no GPU; the runner skips it when a process group already exists, so we
    start one here with the config's backend (``gloo`` after :func:`adapt_cfg`).
    """
    if (
        cfg.get('launcher', 'none') != 'pytorch'
        or torch.cuda.is_available()
        or torch_dist.is_initialized()
    ):
        return
    backend = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend', 'gloo')
    torch_dist.init_process_group(
        backend=backend, rank=int(os.environ['RANK']), world_size=int(os.environ['WORLD_SIZE'])
    )


def resolve_resume(cfg: Config) -> str | None:
    """Decide what ``--resume`` (``cfg.resume``) resumes from; return it (None: nothing).
    Without ``--resume``, a ``load_from`` that is missing, empty, truncated or corrupt is an
    error naming it (MMEngine would start from whatever part of it loads, silently).

    * ``cfg.load_from`` set: MMEngine resumes from that file; a damaged one is an error
      naming it.
    * Otherwise the newest whole checkpoint of ``cfg.work_dir``
      (:func:`~segplug.engine.checkpoint.find_resume_checkpoint`: damaged ones are skipped
      with a warning naming them, a stale or moved ``last_checkpoint`` is looked past).
      ``last_checkpoint`` is rewritten (atomically) to name it if it did not, which is where
      MMEngine's runner looks; the config is left as it is, so the copy of it that the
      runner saves in the work dir does not pin this checkpoint for later runs.
    * Nothing to resume: a warning says so, ``cfg.resume`` becomes False and training starts
      from the beginning.
    """
    resume = cfg.get('resume', False)
    load_from = cfg.get('load_from', None)
    if load_from:
        load_from = str(load_from)
        damage = checkpoint_damage(load_from) if '://' not in load_from else None
        if damage is not None:  # without --resume MMEngine would load what it can, silently
            raise ValueError(
                f'{"--resume from " if resume else ""}load_from={load_from}: '
                f'not a whole checkpoint ({damage})'
            )
    if not resume:
        return None
    if load_from:
        return load_from
    found = find_resume_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) else None
    if found is None:
        print_log(
            f'--resume: nothing to resume, no checkpoint in {cfg.work_dir}; '
            'training starts from the beginning',
            logger='current',
            level=logging.WARNING,
        )
        cfg.resume = False
        return None
    pointer = osp.join(cfg.work_dir, 'last_checkpoint')
    named = open(pointer).read().strip() if osp.isfile(pointer) else None
    if named != found:
        write_atomically(pointer, found.encode())
    print_log(f'--resume: resuming from {found}', logger='current')
    return found
