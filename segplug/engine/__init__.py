"""Runner glue: hooks, the CPU-capable DDP wrapper, checkpoint loading, visual backends, AMP."""

from .amp import AutocastOptimWrapper, configure_amp
from .cfg_options import CfgOptionsAction, blame_cfg_options, merge_cfg_options
from .checkpoint import (
    allow_mmengine_checkpoints,
    check_checkpoint_path,
    find_resume_checkpoint,
    load_checkpoint,
    load_runner_checkpoint,
    read_checkpoint,
)
from .checkpoint_hook import SafeCheckpointHook
from .data_check_hook import DataCheckHook
from .ddp import SegDistributedDataParallel
from .nan_guard_hook import NaNGuardHook
from .progress_hook import EvalProgressHook
from .random_state import RandomStateHook
from .runtime import adapt_cfg, init_cpu_distributed, load_cfg, resolve_resume, without_checks
from .val_before_train_hook import ValBeforeTrainHook
from .vis_backends import OptionalTensorboardVisBackend

__all__ = [
    'AutocastOptimWrapper',
    'configure_amp',
    'allow_mmengine_checkpoints',
    'DataCheckHook',
    'SegDistributedDataParallel',
    'NaNGuardHook',
    'EvalProgressHook',
    'RandomStateHook',
    'adapt_cfg',
    'init_cpu_distributed',
    'load_cfg',
    'without_checks',
    'OptionalTensorboardVisBackend',
    'ValBeforeTrainHook',
    'CfgOptionsAction',
    'blame_cfg_options',
    'merge_cfg_options',
    'find_resume_checkpoint',
    'load_checkpoint',
    'check_checkpoint_path',
    'load_runner_checkpoint',
    'read_checkpoint',
    'SafeCheckpointHook',
    'resolve_resume',
]
