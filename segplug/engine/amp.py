"""Mixed-precision training: ``tools/train.py --amp [--amp-dtype float16|bfloat16]``.

On CUDA, ``--amp`` is MMEngine's ``AmpOptimWrapper``: autocast in float16 (default) with
dynamic loss scaling, or bfloat16. MMEngine's wrapper refuses to start without a GPU
(``GradScaler`` is CUDA's); on CPU, ``--amp`` is bfloat16 autocast without loss scaling
(bfloat16 has float32's exponent range, so gradients cannot underflow the way float16's do),
through :class:`AutocastOptimWrapper`. float16 on CPU is refused: it has no loss scaler
there and is not faster than float32 on CPU kernels.

What stays in float32 under either (see ``segplug.models.utils.precision``): soft clustering,
DCNv2 sampling, logit consistency, the CPP-KL, UOI / IoU and metric-learning losses.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmseg.registry import OPTIM_WRAPPERS

AMP_DTYPES = ('float16', 'bfloat16')


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under ``torch.autocast`` on the model's device,
    without loss scaling (meant for bfloat16, on CPU or CUDA).

    Args:
        dtype: autocast dtype, ``'bfloat16'`` (default) or ``'float16'`` (no scaler: only
            where the losses are known not to underflow).
        Other arguments as MMEngine's ``OptimWrapper``.
    """

    def __init__(self, *args, dtype: str = 'bfloat16', **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if dtype not in AMP_DTYPES:
            raise ValueError(
                f'AutocastOptimWrapper dtype must be one of {AMP_DTYPES}, got {dtype!r}'
            )
        self.cast_dtype = getattr(torch, dtype)

    @contextlib.contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        device = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(device, dtype=self.cast_dtype):
            yield


def configure_amp(cfg: Config, dtype: str | None = None, cuda: bool | None = None) -> Config:
    """Turn ``cfg``'s optimizer wrapper into a mixed-precision one, in place.

    Args:
        dtype: ``'float16'`` / ``'bfloat16'``; None = float16 on CUDA, bfloat16 on CPU.
        cuda: whether training runs on CUDA (default: ``torch.cuda.is_available()``).
    Returns:
        ``cfg``. A config that already names a mixed-precision wrapper keeps it.
    Raises:
        ValueError: an unknown dtype, or float16 without a GPU.
    """
    cuda = torch.cuda.is_available() if cuda is None else cuda
    if dtype is not None and dtype not in AMP_DTYPES:
        raise ValueError(f'--amp-dtype must be one of {AMP_DTYPES}, got {dtype!r}')
    wrapper = cfg.optim_wrapper
    if wrapper.get('type', 'OptimWrapper') not in ('OptimWrapper', 'mmengine.OptimWrapper'):
        return cfg
    if cuda:
        wrapper.type = 'AmpOptimWrapper'
        wrapper.dtype = dtype or 'float16'
        wrapper.loss_scale = 'dynamic'
        return cfg
    if dtype == 'float16':
        raise ValueError(
            '--amp-dtype float16 needs a GPU (loss scaling is CUDA-only in '
            'MMEngine); without one, --amp trains in bfloat16 autocast'
        )
    wrapper.type = 'AutocastOptimWrapper'
    wrapper.dtype = 'bfloat16'
    return cfg
