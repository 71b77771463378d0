"""Checkpoint files: reading them safely, loading them strictly, finding one to resume.

* Safe reading. torch >= 2.6 loads with ``weights_only=True`` by default, and MMEngine 0.10.7
  calls ``torch.load`` without the argument, so ``--resume`` and ``load_from`` fail on
  MMEngine's own checkpoints: they hold the message hub's ``HistoryBuffer`` objects (numpy
  arrays inside), whose pickled state refers to ``HistoryBuffer.min`` etc. through
  ``getattr``. Rather than turning the safety off (``weights_only=False`` would let any
  checkpoint run code), we allow exactly the types those checkpoints contain, and a
  ``getattr`` that resolves only the ``HistoryBuffer`` statistics methods. A checkpoint
  holding anything else still fails with torch's own message naming the type.
* Strict loading (:func:`load_checkpoint`): at test and inference time a checkpoint whose
  keys or shapes are not the model's is an error naming the file and the first keys, not a
  key list in the log above a score of randomly initialised layers.
* Resuming (:func:`find_resume_checkpoint`): the newest *whole* checkpoint of a work dir,
  whatever ``last_checkpoint`` says.
"""

from __future__ import annotations

import logging
import os
import os.path as osp
import pickle
import re
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np
import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseTTAModel, is_model_wrapper


def _numpy_globals() -> list:
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar  # type: ignore
    dtypes = [
        type(np.dtype(t))
        for t in (
            'bool',
            'int8',
            'int16',
            'int32',
            'int64',
            'uint8',
            'uint16',
            'uint32',
            'uint64',
            'float16',
            'float32',
            'float64',
        )
    ]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtypes]


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to what MMEngine pickles: ``HistoryBuffer.<statistic>``."""
    from mmengine.logging import HistoryBuffer

    if (
        isinstance(obj, type)
        and issubclass(obj, HistoryBuffer)
        and isinstance(name, str)
        and name in ('min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods)
    ):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); segplug allows getattr only for '
        'MMEngine HistoryBuffer statistics. Load it with weights_only=False only if you '
        'trust its source.'
    )


def allow_mmengine_checkpoints() -> None:
    """Register the types of MMEngine checkpoints as safe for ``torch.load``."""
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return  # torch < 2.4 has no weights_only default to work around
    from mmengine.logging import HistoryBuffer

    torch.serialization.add_safe_globals(
        [
            HistoryBuffer,
            *_numpy_globals(),
            # protocol 2 (MMEngine's default) names the builtin '__builtin__.getattr'
            (history_buffer_getattr, '__builtin__.getattr'),
            (history_buffer_getattr, 'builtins.getattr'),
        ]
    )


PARTIAL_FLAG = '--allow-partial-checkpoint'


def check_checkpoint_path(filename: str) -> None:
    """Refuse a local checkpoint path that is not a file, saying what it is instead.

    Raises:
        IsADirectoryError: a folder (e.g. a work dir), naming its newest ``.pth`` if any.
        FileNotFoundError: nothing at ``filename``.
    """
    if '://' in filename or osp.isfile(filename):
        return
    if osp.isdir(filename):
        found = sorted(
            (f for f in os.listdir(filename) if f.endswith('.pth')),
            key=lambda f: osp.getmtime(osp.join(filename, f)),
        )
        hint = f', e.g. {osp.join(filename, found[-1])}' if found else ' (it holds no .pth)'
        raise IsADirectoryError(
            f'{filename} is a folder, not a checkpoint file: give a checkpoint in it{hint}'
        )
    raise FileNotFoundError(f'checkpoint file not found: {filename}')


def read_checkpoint(filename: str, map_location: str = 'cpu') -> dict:
    """The checkpoint in ``filename`` (a local path or a URL MMEngine can fetch), read with
    the safe unpickler.

    Raises:
        FileNotFoundError: a local ``filename`` that does not exist.
        ValueError: a file that is truncated, corrupt or not a checkpoint, naming it.
    """
    from mmengine.runner.checkpoint import _load_checkpoint

    local = '://' not in filename
    check_checkpoint_path(filename)
    if local and zipfile.is_zipfile(filename):
        broken = _zip_damage(filename)
        if broken:
            raise ValueError(f'{filename}: not a whole checkpoint ({broken})')
    try:
        checkpoint = _load_checkpoint(filename, map_location=map_location)
    except Exception as err:  # a file that is not a checkpoint fails in any unpickler step
        reason = str(err).strip().splitlines()[0] if str(err).strip() else ''
        if 'weights_only' in reason:  # torch's advice to load unsafely: wrong here
            reason = 'its content is not what torch.save writes (the safe unpickler refused it)'
        if local and not zipfile.is_zipfile(filename):  # legacy files are not zips: only now
            reason = 'not a zip archive: truncated, or not saved by torch.save' + (
                f'; {reason}' if reason else ''
            )
        raise ValueError(
            f'{filename}: not a readable checkpoint ({type(err).__name__}: {reason})'
        ) from err
    if not isinstance(checkpoint, dict):
        raise ValueError(
            f'{filename}: not a checkpoint (it holds a {type(checkpoint).__name__},'
            ' not a dict of weights)'
        )
    return checkpoint


def _zip_damage(filename: str) -> str | None:
    """Why the zip file ``filename`` (torch's format) is not whole, or None if it is:
    truncated (no central directory) or an entry whose CRC does not match (bit rot)."""
    try:
        with zipfile.ZipFile(filename) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        return f'{type(err).__name__}: {err}'
    return f'CRC error in {bad}' if bad else None


def checkpoint_damage(filename: str) -> str | None:
    """Why ``filename`` cannot be a whole checkpoint, or None if it can: empty, truncated,
    or with corrupt data (torch's zip format carries a CRC per entry, checked here without
    unpickling anything)."""
    try:
        if os.path.getsize(filename) == 0:
            return 'empty file'
    except OSError as err:
        return str(err)
    if not zipfile.is_zipfile(filename):
        return 'not a zip archive (truncated, or not saved by torch.save)'
    return _zip_damage(filename)


def _unwrap(model: nn.Module) -> nn.Module:
    """The module whose ``state_dict`` a checkpoint holds (inside DDP and TTA wrappers)."""
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    return model


def _first(keys: list[str], n: int = 5) -> str:
    shown = ', '.join(keys[:n])
    return shown + (f', ... ({len(keys) - n} more)' if len(keys) > n else '')


def load_checkpoint(
    model: nn.Module,
    filename: str,
    strict: bool = True,
    map_location: str = 'cpu',
    checkpoint: dict | None = None,
    config: str | None = None,
) -> dict:
    """Load the weights of ``filename`` into ``model``, refusing a checkpoint of another model.

    Args:
        model: the model (a DDP or TTA wrapper is looked through).
        filename: checkpoint path or URL; a ``module.`` prefix on its keys is dropped.
        strict: any key the model has and the checkpoint lacks (missing), any key the
            checkpoint has and the model lacks (unexpected), or a shape that differs is an
            error naming the checkpoint and the first few keys. ``strict=False`` (the tools'
            ``--allow-partial-checkpoint``) loads the tensors that fit and warns about the rest.
        checkpoint: the content of ``filename`` if it was read already (e.g. so that hooks
            could see it first, as MMEngine's runner lets them).
        config: the config the model was built from, named in the error.
    Returns:
        The checkpoint (dict with ``state_dict``, ``meta``, ...).
    Raises:
        FileNotFoundError / ValueError: see :func:`read_checkpoint`; ValueError for a
        mismatch under ``strict``.
    """
    if checkpoint is None:
        checkpoint = read_checkpoint(filename, map_location)
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(
            f'{filename}: not a model checkpoint (no state_dict of tensors; '
            f'top-level keys: {_first(sorted(map(str, checkpoint)))})'
        )
    metadata = getattr(state, '_metadata', None)
    state = OrderedDict((re.sub(r'^module\.', '', k), v) for k, v in state.items())
    if metadata is not None:
        state._metadata = metadata  # module versions (e.g. old BatchNorm buffers)
    target = _unwrap(model)
    own = target.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    reshaped = [
        f'{k} {tuple(state[k].shape)} vs model {tuple(own[k].shape)}'
        for k in own
        if k in state and state[k].shape != own[k].shape
    ]
    problems = [
        f'{len(keys)} {what} ({_first(keys)})'
        for what, keys in (
            ('missing keys', missing),
            ('unexpected keys', unexpected),
            ('tensors of another shape', reshaped),
        )
        if keys
    ]
    if problems:
        model_name = f'the model of {config}' if config else 'the model'
        message = f'{filename} does not fit {model_name} ({type(target).__name__}): ' + '; '.join(
            problems
        )
        if strict:
            raise ValueError(
                f'{message}. Is it a checkpoint of this config? To load only '
                f'the weights that fit, pass {PARTIAL_FLAG} (strict=False).'
            )
        print_log(
            f'{message}; loading the {len(own) - len(missing) - len(reshaped)} '
            f'tensors that fit ({PARTIAL_FLAG}).',
            logger='current',
            level=logging.WARNING,
        )
        for key in [r.split(' ', 1)[0] for r in reshaped]:
            del state[key]
    target.load_state_dict(state, strict=False)
    return checkpoint


def load_runner_checkpoint(
    runner: Any,
    filename: str,
    strict: bool = True,
    checkpoint: dict | None = None,
    config: str | None = None,
) -> dict:
    """``Runner.load_checkpoint`` made strict (see :func:`load_checkpoint`): the runner's
    hooks see the checkpoint first (``after_load_checkpoint``, e.g. EMA weights swapped in),
    as in MMEngine, then it is loaded into ``runner.model``. ``config`` (default: the file
    the runner's config came from) is named in a mismatch error."""
    if checkpoint is None:
        checkpoint = read_checkpoint(filename)
    runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
    config = config or getattr(getattr(runner, 'cfg', None), 'filename', None)
    load_checkpoint(runner.model, filename, strict, checkpoint=checkpoint, config=config)
    runner.logger.info(
        f'Load checkpoint from {filename}' + ('' if strict else f' ({PARTIAL_FLAG})')
    )
    return checkpoint


CHECKPOINT_NAME = re.compile(r'^(iter|epoch)_(\d+)\.pth$')


def find_resume_checkpoint(work_dir: str) -> str | None:
    """The checkpoint to resume the training in ``work_dir`` from, or None if there is none.

    ``last_checkpoint`` names it when it points to a whole file (a path into a work dir that
    was moved since is looked up here by its file name). Otherwise, or when that file is
    truncated or corrupt, the newest whole ``iter_N.pth`` / ``epoch_N.pth`` in ``work_dir``
    (by N) is taken; each damaged file passed over is named in a warning.

    Raises:
        ValueError: checkpoints exist but none of them is whole (nothing is silently
            restarted over them).
    """
    named = None
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            text = f.read().strip()
        if not text:
            _warn(f'{pointer} is empty; looking for checkpoints in {work_dir}')
        elif osp.isfile(text):
            named = text
        elif osp.isfile(osp.join(work_dir, osp.basename(text))):
            named = osp.join(work_dir, osp.basename(text))
            _warn(f'{pointer} names {text}, which does not exist (work dir moved?); using {named}')
        else:
            _warn(
                f'{pointer} names {text}, which does not exist; looking for '
                f'checkpoints in {work_dir}'
            )
    found = sorted(
        (
            (int(m.group(2)), name)
            for name in os.listdir(work_dir)
            if (m := CHECKPOINT_NAME.match(name))
        ),
        reverse=True,
    )
    candidates = ([named] if named else []) + [
        osp.join(work_dir, name)
        for _, name in found
        if not named or not osp.samefile(osp.join(work_dir, name), named)
    ]
    damaged = []
    for path in candidates:
        damage = checkpoint_damage(path)
        if damage is None:
            return path
        damaged.append(path)
        _warn(f'skipping {path}: not a whole checkpoint ({damage}); trying an older one')
    if damaged:
        raise ValueError(
            f'no whole checkpoint to resume in {work_dir}: {", ".join(damaged)} are all damaged'
        )
    return None


def _warn(message: str) -> None:
    print_log(message, logger='current', level=logging.WARNING)
