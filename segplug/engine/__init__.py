"""Runner glue: hooks, the CPU-capable DDP wrapper, checkpoint loading, visual backends, AMP."""
from .amp import AutocastOptimWrapper, configure_amp
from .checkpoint import allow_mmengine_checkpoints
from .data_check_hook import DataCheckHook
from .ddp import SegDistributedDataParallel
from .nan_guard_hook import NaNGuardHook
from .progress_hook import EvalProgressHook
from .runtime import adapt_cfg, init_cpu_distributed, load_cfg
from .val_before_train_hook import ValBeforeTrainHook
from .vis_backends import OptionalTensorboardVisBackend

__all__ = ['AutocastOptimWrapper', 'configure_amp', 'allow_mmengine_checkpoints', 'DataCheckHook', 'SegDistributedDataParallel',
           'NaNGuardHook', 'EvalProgressHook', 'adapt_cfg', 'init_cpu_distributed',
           'load_cfg', 'OptionalTensorboardVisBackend', 'ValBeforeTrainHook']
