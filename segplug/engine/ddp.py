"""DDP that also runs on CPU (gloo), so a multi-GPU config trains unchanged on CPUs."""

from __future__ import annotations

from typing import Any

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmseg.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class SegDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that accepts CPU modules.

    MMEngine's runner always passes ``device_ids=[LOCAL_RANK]``, which DDP refuses for a
    module on CPU, and ``nn.SyncBatchNorm`` has no CPU kernel. On CPU this wrapper drops
    ``device_ids`` and reverts SyncBN to BatchNorm (statistics then stay per process, as
    plain BN under DDP does); on GPU it is ``MMDistributedDataParallel`` unchanged.
    """

    def __init__(
        self, module: nn.Module, detect_anomalous_params: bool = False, **kwargs: Any
    ) -> None:
        first = next(module.parameters(), None)
        if first is not None and first.device.type == 'cpu':
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
            if any(isinstance(m, nn.SyncBatchNorm) for m in module.modules()):
                print_log(
                    'SyncBN has no CPU kernel: reverted to BatchNorm for CPU DDP', logger='current'
                )
                module = revert_sync_batchnorm(module)
        super().__init__(module=module, detect_anomalous_params=detect_anomalous_params, **kwargs)
