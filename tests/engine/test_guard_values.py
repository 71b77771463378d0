"""The NaN guard and the checkpoint allow-list, fault by fault: every kind of non-finite
loss (NaN, +Inf, -Inf) and every kind of global the safe unpickler must refuse."""

from __future__ import annotations

import pickle
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import HistoryBuffer

import segplug  # noqa: F401  (registers the allow-list)
from segplug.engine import NaNGuardHook, read_checkpoint
from segplug.engine.checkpoint import history_buffer_getattr
from segplug.engine.nan_guard_hook import NonFiniteLossError, last_good_checkpoint_advice


@pytest.mark.parametrize('bad', [float('nan'), float('inf'), float('-inf')])
@pytest.mark.parametrize('as_tensor', [True, False])
def test_nan_guard_stops_on_every_non_finite_loss(
    bad: float, as_tensor: bool, tmp_path: Path
) -> None:
    runner = SimpleNamespace(iter=6, work_dir=str(tmp_path))
    value = torch.tensor(bad) if as_tensor else bad
    outputs = {'loss': torch.tensor(1.0), 'decode.loss_ce': value, 'decode.acc_seg': 3.0}
    with pytest.raises(NonFiniteLossError, match=r'iteration 7 .*decode\.loss_ce'):
        NaNGuardHook().after_train_iter(runner, 0, outputs=outputs)


def test_nan_guard_passes_finite_losses_and_ignores_other_outputs(tmp_path: Path) -> None:
    runner = SimpleNamespace(iter=0, work_dir=str(tmp_path))
    hook = NaNGuardHook()
    hook.after_train_iter(
        runner,
        0,
        outputs={'loss': torch.tensor(1e30), 'decode.acc_seg': torch.tensor(float('nan'))},
    )
    hook.after_train_iter(runner, 0, outputs=None)
    assert NaNGuardHook.priority == 'ABOVE_NORMAL'  # before CheckpointHook saves the step


def test_last_good_checkpoint_advice_names_the_file(tmp_path: Path) -> None:
    runner = SimpleNamespace(work_dir=str(tmp_path))
    assert last_good_checkpoint_advice(runner) == 'No checkpoint had been saved yet.'
    (tmp_path / 'last_checkpoint').write_text('')
    assert last_good_checkpoint_advice(runner) == 'No checkpoint had been saved yet.'
    (tmp_path / 'last_checkpoint').write_text(f'{tmp_path}/iter_4.pth\n')
    advice = last_good_checkpoint_advice(runner)
    assert advice.startswith(f'Last good checkpoint: {tmp_path}/iter_4.pth (resume')


# ---- the allow-list of segplug.engine.checkpoint ----


class HistorySubclass(HistoryBuffer):
    pass


@pytest.mark.parametrize(
    'name', ['min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods]
)
def test_history_buffer_statistics_are_allowed(name: str) -> None:
    assert history_buffer_getattr(HistoryBuffer, name) is getattr(HistoryBuffer, name)
    assert history_buffer_getattr(HistorySubclass, name) is getattr(HistorySubclass, name)


@pytest.mark.parametrize(
    'obj, name',
    [
        (HistoryBuffer, 'update'),  # a HistoryBuffer method that is not a statistic
        (HistoryBuffer, '__init__'),
        (HistoryBuffer(), 'mean'),  # an instance, not the class
        (int, 'from_bytes'),  # another class
        (HistoryBuffer, 3),  # not a name
    ],
)
def test_history_buffer_getattr_refuses_everything_else(obj, name) -> None:
    with pytest.raises(pickle.UnpicklingError, match='allows getattr only'):
        history_buffer_getattr(obj, name)


class _Reduce:
    def __init__(self, fn, args) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


@pytest.mark.parametrize(
    'payload',
    [
        _Reduce(print, ('pwned',)),  # any callable global
        _Reduce(getattr, (HistoryBuffer, 'update')),  # getattr on an allowed class, wrong name
        _Reduce(getattr, (int, 'from_bytes')),  # getattr on another class
        _Reduce(eval, ('1',)),
    ],
)
@pytest.mark.parametrize('protocol', [2, 4])
def test_read_checkpoint_refuses_each_kind_of_global(
    payload, protocol: int, tmp_path: Path
) -> None:
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'x': payload}, path, pickle_protocol=protocol)
    with pytest.raises(ValueError, match=r'evil\.pth: not a readable checkpoint'):
        read_checkpoint(str(path))


def test_read_checkpoint_accepts_history_buffers(tmp_path: Path) -> None:
    buffer = HistoryBuffer()
    for v in (1.0, 3.0):
        buffer.update(v)
    path = tmp_path / 'ok.pth'
    # protocol 2, as MMEngine saves (protocol 4 names HistoryBuffer.mean as a global)
    torch.save({'state_dict': {'w': torch.ones(2)}, 'hub': buffer}, path, pickle_protocol=2)
    loaded = read_checkpoint(str(path))
    assert loaded['hub'].mean() == 2.0 and loaded['hub'].max() == 3.0
    torch.testing.assert_close(loaded['state_dict']['w'], torch.ones(2))
