"""The NaN guard and the checkpoint allow-list, fault by fault: every kind of non-finite
loss (NaN, +Inf, -Inf) and every kind of global the safe unpickler must refuse."""

from __future__ import annotations

import pickle
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import segplug  # noqa: F401  (registers the allow-list)
from segplug.engine import NaNGuardHook, read_checkpoint
from segplug.engine.checkpoint import history_buffer_getattr
from segplug.engine.nan_guard_hook import (
    NonFiniteLossError,
    divergence_onset,
    grown_losses,
    last_good_checkpoint_advice,
    typical_loss_floor,
)


def guard_runner(
    tmp_path: Path, iter: int = 0, losses: list[float] = (), hooks: list = ()
) -> SimpleNamespace:
    """What the guard reads of a runner: ``losses`` logged as MMEngine's RuntimeInfoHook
    logs them (``train/loss``, one per iteration up to ``iter + 1``)."""
    hub = MessageHub(name=f'guard-{tmp_path.name}-{len(losses)}-{iter}')
    for loss in losses:
        hub.update_scalar('train/loss', loss)
    return SimpleNamespace(iter=iter, work_dir=str(tmp_path), message_hub=hub, hooks=list(hooks))


@pytest.mark.parametrize('bad', [float('nan'), float('inf'), float('-inf')])
@pytest.mark.parametrize('as_tensor', [True, False])
def test_nan_guard_stops_on_every_non_finite_loss(
    bad: float, as_tensor: bool, tmp_path: Path
) -> None:
    runner = guard_runner(tmp_path, iter=6)
    value = torch.tensor(bad) if as_tensor else bad
    outputs = {'loss': torch.tensor(1.0), 'decode.loss_ce': value, 'decode.acc_seg': 3.0}
    with pytest.raises(NonFiniteLossError, match=r'iteration 7 .*decode\.loss_ce'):
        NaNGuardHook().after_train_iter(runner, 0, outputs=outputs)


def test_nan_guard_passes_finite_losses_and_ignores_other_outputs(tmp_path: Path) -> None:
    runner = guard_runner(tmp_path, iter=0)
    hook = NaNGuardHook()
    hook.after_train_iter(
        runner,
        0,
        outputs={'loss': torch.tensor(1e30), 'decode.acc_seg': torch.tensor(float('nan'))},
    )
    hook.after_train_iter(runner, 0, outputs=None)
    assert NaNGuardHook.priority == 'ABOVE_NORMAL'  # before CheckpointHook saves the step


LOWER_LR = 'with a lower learning rate (--cfg-options optim_wrapper.optimizer.lr=...).'


def checkpoints(work: Path, *steps: int) -> None:
    for step in steps:
        (work / f'iter_{step}.pth').write_bytes(b'')
    (work / 'last_checkpoint').write_text(f'{work}/iter_{max(steps)}.pth\n')


def test_advice_without_checkpoints(tmp_path: Path) -> None:
    runner = guard_runner(tmp_path, iter=2, losses=[3.0, 2.9, float('nan')])
    expected = f'No checkpoint had been saved yet. Start again {LOWER_LR}'
    assert last_good_checkpoint_advice(runner, 3, loss_failed=True) == expected
    (tmp_path / 'last_checkpoint').write_text('')
    assert last_good_checkpoint_advice(runner, 3, loss_failed=True) == expected


def test_advice_passes_over_the_checkpoint_that_repeats_the_failing_iteration(
    tmp_path: Path,
) -> None:
    """No growth before a sudden NaN at iteration 7: iter_6.pth is finite, but a resume
    from it repeats iteration 7 bit for bit."""
    checkpoints(tmp_path, 2, 4, 6)
    runner = guard_runner(tmp_path, iter=6, losses=[3.0, 2.9, 2.8, 2.7, 2.6, 2.5, float('nan')])
    advice = last_good_checkpoint_advice(runner, 7, loss_failed=True)
    assert advice == (
        f'Last good checkpoint: {tmp_path}/iter_4.pth (its weights gave a loss of 2.6 at '
        'iteration 5). Not iter_6.pth: a resume from iteration 6 repeats iteration 7 exactly '
        '(same weights, batch and random draws: resumes are bit-exact), whose loss was not '
        'finite, whatever the learning rate. Resume from it with a lower learning rate: '
        f'--resume --cfg-options load_from={tmp_path}/iter_4.pth '
        "optim_wrapper.optimizer.lr=... (a resumed run takes the config's learning rate and "
        'scales its schedule to it).'
    )
    # the model (not the loss) became non-finite in the step of iteration 7: iter_6 is good
    runner = guard_runner(tmp_path, iter=6, losses=[3.0, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4])
    advice = last_good_checkpoint_advice(runner, 7, loss_failed=False)
    assert advice.startswith(f'Last good checkpoint: {tmp_path}/iter_6.pth (its weights gave')
    assert 'Not ' not in advice


def test_advice_passes_over_checkpoints_saved_after_the_loss_began_to_grow(
    tmp_path: Path,
) -> None:
    checkpoints(tmp_path, 2, 4, 6)
    losses = [3.0, 2.9, 2.8, 2.9, 3.1, 4e6, 5e12, float('nan')]
    advice = last_good_checkpoint_advice(guard_runner(tmp_path, 7, losses), 8, loss_failed=True)
    assert advice.startswith(
        f'Last good checkpoint: {tmp_path}/iter_4.pth (its weights gave a loss of 3.1 at '
        'iteration 5). Not iter_6.pth: the loss began to grow at iteration 6 (4e+06, over 10x '
        'the lowest typical loss of the run before it, 2.9), so checkpoints saved from '
        'iteration 5 on may already have diverged. Resume from it'
    )


def test_advice_names_no_loss_for_a_checkpoint_older_than_the_logged_losses(
    tmp_path: Path,
) -> None:
    """A resumed run logs losses from its resume point only (iterations 5-8 here): the
    weights of iter_3.pth gave the loss of iteration 4, which is not in the log, so no loss
    is quoted (not the last one's, through a negative index)."""
    checkpoints(tmp_path, 3)
    runner = guard_runner(tmp_path, iter=7, losses=[2.0, 1.9, 1.8, float('nan')])
    advice = last_good_checkpoint_advice(runner, 8, loss_failed=True)
    assert advice.startswith(f'Last good checkpoint: {tmp_path}/iter_3.pth. Resume from it')


def test_an_isolated_spike_the_run_recovered_from_does_not_count(tmp_path: Path) -> None:
    checkpoints(tmp_path, 2, 4, 6)
    losses = [3.0, 2.9, 50.0, 2.8, 2.7, 2.7, 2.6, float('nan')]
    hooks = [NaNGuardHook(window=3)]  # 3 healthy losses in a row end a divergence
    advice = last_good_checkpoint_advice(guard_runner(tmp_path, 7, losses, hooks), 8, True)
    assert advice.startswith(f'Last good checkpoint: {tmp_path}/iter_6.pth')
    hooks = [NaNGuardHook(window=5)]  # not 5: the spike at iteration 3 is where it began
    advice = last_good_checkpoint_advice(guard_runner(tmp_path, 7, losses, hooks), 8, True)
    assert advice.startswith(
        'No checkpoint saved before iteration 2 is on disk (max_keep_ckpts may have removed '
        'older ones): the loss began to grow at iteration 3 (50,'
    )
    hooks = [NaNGuardHook(growth=20.0, window=5)]  # 50 is not 20x 2.95
    advice = last_good_checkpoint_advice(guard_runner(tmp_path, 7, losses, hooks), 8, True)
    assert advice.startswith(f'Last good checkpoint: {tmp_path}/iter_6.pth')


def test_advice_when_no_checkpoint_precedes_the_divergence(tmp_path: Path) -> None:
    """lr=1e6: the loss grew at iteration 2; iter_1.pth and iter_2.pth are finite but
    already diverged, and the model became non-finite in the step of iteration 3."""
    checkpoints(tmp_path, 1, 2)
    runner = guard_runner(tmp_path, 2, [3.2, 1.2e13, 1.1e21])
    assert last_good_checkpoint_advice(runner, 3, loss_failed=False) == (
        'No checkpoint can be good: the loss began to grow at iteration 2 (1.2e+13, over 10x '
        'the lowest typical loss of the run before it, 3.2), so checkpoints saved from '
        'iteration 1 on may already have diverged. Start again in a new work dir (--resume '
        f'here would take iter_2.pth) {LOWER_LR}'
    )


def test_advice_when_the_good_checkpoint_was_removed(tmp_path: Path) -> None:
    checkpoints(tmp_path, 8, 9)  # max_keep_ckpts=2, a checkpoint every iteration
    losses = [3.0, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4, 9e9, 8e15, float('nan')]
    advice = last_good_checkpoint_advice(guard_runner(tmp_path, 9, losses), 10, True)
    assert advice.startswith(
        'No checkpoint saved before iteration 7 is on disk (max_keep_ckpts may have removed '
        'older ones): the loss began to grow at iteration 8'
    )


def test_loss_growth_by_value() -> None:
    # medians of 2 consecutive losses (1 at the start): 4, 3, 4, 3.5, 16, 31; lowest so far
    # before each loss: -, 4, 3, 3, 3, 3
    losses = [4.0, 2.0, 6.0, 1.0, 31.0, float('nan')]
    floor = typical_loss_floor(np.array(losses), window=2)
    np.testing.assert_array_equal(floor, [np.nan, 4.0, 3.0, 3.0, 3.0, 3.0])
    grown = grown_losses(np.array(losses), growth=10.0, window=2)
    assert grown.tolist() == [False, False, False, False, True, True]
    losses[4] = 30.0  # 10x exactly: not grown
    assert not grown_losses(np.array(losses), growth=10.0, window=2)[4]
    # a floor that is not positive judges nothing but finiteness
    assert grown_losses(np.array([-1.0, -2.0, 100.0, float('inf')])).tolist() == [
        False,
        False,
        False,
        True,
    ]
    assert grown_losses(np.zeros(0)).tolist() == []
    # typical losses below 1 (a fine-tuned model's cross-entropy) are judged too
    small = [0.3, 0.25, 0.28, 0.2, 5.0]
    assert grown_losses(np.array(small), growth=10.0, window=2).tolist() == [
        False,
        False,
        False,
        False,
        True,
    ]


def test_divergence_onset_by_value() -> None:
    f, t = False, True
    assert divergence_onset(np.array([f, t, f, t, t]), window=2) == 1
    assert divergence_onset(np.array([f, t, f, f, t]), window=2) == 4  # 2 healthy: reset
    assert divergence_onset(np.array([f, t, f, f]), window=2) is None
    assert divergence_onset(np.array([t]), window=1) == 0
    assert divergence_onset(np.array([], dtype=bool)) is None


@pytest.mark.parametrize('kwargs', [dict(growth=1.0), dict(window=0), dict(window=2.5)])
def test_nan_guard_refuses_meaningless_settings(kwargs: dict) -> None:
    with pytest.raises(ValueError, match='NaNGuardHook: (growth|window)'):
        NaNGuardHook(**kwargs)


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
