"""Make a config written for multi-GPU MMSegmentation training run on whatever is here."""
from __future__ import annotations

import os
import os.path as osp
from typing import Any

import torch
import torch.distributed as torch_dist
from mmengine.config import Config

SEGPLUG_HOOKS = ('DataCheckHook', 'NaNGuardHook', 'EvalProgressHook')


def load_cfg(config: str, cfg_options: dict | None = None, work_dir: str | None = None,
             launcher: str = 'none') -> Config:
    """Load a config the way MMSegmentation's tools do: options merged, work_dir defaulted
    to ``./work_dirs/{config name}``, launcher recorded."""
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file not found: {config}')
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg


def adapt_cfg(cfg: Config, add_hooks: bool = True) -> Config:
    """Adapt ``cfg`` in place to this machine and add segplug's safety hooks.

    * No GPU: the distributed backend becomes ``gloo`` (``nccl`` needs CUDA), and the DDP
      wrapper becomes :class:`SegDistributedDataParallel`, which accepts CPU modules and
      reverts SyncBN (no CPU kernel). SyncBN in a single process is reverted by MMEngine.
    * ``add_hooks``: appends ``DataCheckHook``, ``NaNGuardHook`` and ``EvalProgressHook`` to
      ``custom_hooks`` unless the config already lists them.
    """
    if not torch.cuda.is_available():
        env = cfg.setdefault('env_cfg', {})
        dist_cfg = env.setdefault('dist_cfg', {})
        if dist_cfg.get('backend', 'nccl') == 'nccl':
            dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg')
    if wrapper is None or wrapper.get('type') in (None, 'MMDistributedDataParallel',
                                                 'SegDistributedDataParallel'):
        cfg.model_wrapper_cfg = dict(wrapper or {}, type='mmseg.SegDistributedDataParallel')
    if add_hooks:
        hooks: list[Any] = list(cfg.get('custom_hooks', None) or [])
        present = {h.get('type') for h in hooks}
        hooks += [dict(type=t) for t in SEGPLUG_HOOKS if t not in present]
        cfg.custom_hooks = hooks
    return cfg


def init_cpu_distributed(cfg: Config) -> None:
    """Start the process group for a ``torchrun`` launch on a machine without a GPU.

    MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` unconditionally, which fails
    where there is no GPU; the runner skips it when a process group already exists, so we
    start one here with the config's backend (``gloo`` after :func:`adapt_cfg`).
    """
    if (cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available()
            or torch_dist.is_initialized()):
        return
    backend = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend', 'gloo')
    torch_dist.init_process_group(backend=backend, rank=int(os.environ['RANK']),
                                  world_size=int(os.environ['WORLD_SIZE']))
