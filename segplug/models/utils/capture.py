"""Capture a module's intermediate activations for one forward call.

The one capture mechanism of segplug (HC's pixel and seed maps, the hypercolumn's taps), in
the spirit of timm's ``FeatureHooks``: hooks are registered when the ``with`` block starts
and removed when it ends, and the captured tensors live in a dict local to that call. So
nothing stays on the module: ``copy.deepcopy`` (EMA, SWA, teachers) copies no closure over
the original.

``nn.DataParallel`` replicas are shallow copies that *share* the original's hook dicts, so a
hook registered on one replica's submodule is called by every replica's copy of it, in
parallel threads. Each hook therefore records only calls from the very module it was
registered on (an identity check), and each replica's ``forward`` gets its own activations.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import NamedTuple

import torch.nn as nn
from torch import Tensor


class Tap(NamedTuple):
    """What to capture: ``module``'s first input (``'input'``) or its output (``'output'``);
    ``clone`` the output when the module's caller modifies it in place afterwards."""

    module: nn.Module
    what: str = 'output'
    clone: bool = False


@contextlib.contextmanager
def capture(taps: Mapping[str, Tap]) -> Iterator[dict[str, Tensor]]:
    """``with capture({'name': Tap(module)}) as store: model(x)`` -> ``store['name']``.

    Raises:
        ValueError: a tap whose ``what`` is not ``'input'`` or ``'output'``.
    """
    store: dict[str, Tensor] = {}
    handles = []

    def keep_input(name: str, target: nn.Module):
        def hook(module: nn.Module, args: tuple) -> None:
            if module is target:  # not another DataParallel replica sharing the hook dict
                store[name] = args[0]

        return hook

    def keep_output(name: str, target: nn.Module, clone: bool):
        def hook(module: nn.Module, _args: tuple, out: Tensor) -> None:
            if module is target:
                store[name] = out.clone() if clone else out

        return hook

    try:
        for name, tap in taps.items():
            if tap.what == 'input':
                handles.append(tap.module.register_forward_pre_hook(keep_input(name, tap.module)))
            elif tap.what == 'output':
                handles.append(
                    tap.module.register_forward_hook(keep_output(name, tap.module, tap.clone))
                )
            else:
                raise ValueError(
                    f'tap {name!r}: what must be "input" or "output", got {tap.what!r}'
                )
        yield store
    finally:
        for handle in handles:
            handle.remove()
