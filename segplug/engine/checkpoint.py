"""Load MMEngine checkpoints under torch's safe (``weights_only``) unpickler.

torch >= 2.6 loads with ``weights_only=True`` by default, and MMEngine 0.10.7 calls
``torch.load`` without the argument, so ``--resume`` and ``load_from`` fail on MMEngine's own
checkpoints: they hold the message hub's ``HistoryBuffer`` objects (numpy arrays inside),
whose pickled state refers to ``HistoryBuffer.min`` etc. through ``getattr``. Rather than
turning the safety off (``weights_only=False`` would let any checkpoint run code), we allow
exactly the types those checkpoints contain, and a ``getattr`` that resolves only the
``HistoryBuffer`` statistics methods. A checkpoint holding anything else still fails with
torch's own message naming the type.
"""
from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import torch


def _numpy_globals() -> list:
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar  # type: ignore
    dtypes = [type(np.dtype(t)) for t in
              ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32',
               'uint64', 'float16', 'float32', 'float64')]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtypes]


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to what MMEngine pickles: ``HistoryBuffer.<statistic>``."""
    from mmengine.logging import HistoryBuffer
    if (isinstance(obj, type) and issubclass(obj, HistoryBuffer) and isinstance(name, str)
            and name in ('min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods)):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); segplug allows getattr only for '
        'MMEngine HistoryBuffer statistics. Load it with weights_only=False only if you '
        'trust its source.')


def allow_mmengine_checkpoints() -> None:
    """Register the types of MMEngine checkpoints as safe for ``torch.load``."""
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return  # torch < 2.4 has no weights_only default to work around
    from mmengine.logging import HistoryBuffer
    torch.serialization.add_safe_globals([
        HistoryBuffer, *_numpy_globals(),
        # protocol 2 (MMEngine's default) names the builtin '__builtin__.getattr'
        (history_buffer_getattr, '__builtin__.getattr'),
        (history_buffer_getattr, 'builtins.getattr')])
