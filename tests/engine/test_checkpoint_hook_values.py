"""SafeCheckpointHook's set-up, with a fake runner (milliseconds): the atomic backend for a
local work dir and only then, leftovers of a killed save removed (and nothing else), stale
checkpoints pruned on resume; atomic writes leak no file descriptor."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from mmengine.fileio import LocalBackend
from mmengine.logging import MessageHub

from segplug.engine import SafeCheckpointHook
from segplug.engine.checkpoint_hook import (
    ATOMIC_BACKEND,
    STALE_KEY,
    AtomicLocalBackend,
    write_atomically,
)


def runner(work_dir: Path, name: str, stale=None) -> SimpleNamespace:
    hub = MessageHub.get_instance(f'checkpoint-hook-test-{name}')
    if stale is not None:
        hub.update_info(STALE_KEY, stale)
    infos: list[str] = []
    return SimpleNamespace(
        work_dir=str(work_dir),
        message_hub=hub,
        iter=0,
        infos=infos,
        logger=SimpleNamespace(info=infos.append),
        optim_wrapper=None,
        param_schedulers=None,
        hooks=[],  # no RandomStateHook: the generators are recorded as they are
        train_dataloader=None,
    )


def test_local_work_dir_gets_the_atomic_backend(tmp_path: Path) -> None:
    hook = SafeCheckpointHook(interval=1)
    hook.before_train(runner(tmp_path, 'local'))
    assert hook.backend_args == dict(backend=ATOMIC_BACKEND)
    assert isinstance(hook.file_backend, AtomicLocalBackend)


def test_explicit_backend_args_are_kept(tmp_path: Path) -> None:
    hook = SafeCheckpointHook(interval=1, backend_args=dict(backend='local'))
    hook.before_train(runner(tmp_path, 'explicit'))
    assert hook.backend_args == dict(backend='local')
    assert type(hook.file_backend) is LocalBackend


def test_leftovers_of_a_killed_save_are_removed(tmp_path: Path) -> None:
    (tmp_path / '.iter_4.pth.1234.partial').write_bytes(b'half')
    (tmp_path / '.notes.partial').write_text('not ours: no pid')
    (tmp_path / 'iter_2.pth').write_bytes(b'whole')
    run = runner(tmp_path, 'leftovers')
    SafeCheckpointHook(interval=1).before_train(run)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['.notes.partial', 'iter_2.pth']
    assert run.infos[-1:] == ['removed .iter_4.pth.1234.partial, left by a killed save']


def test_stale_checkpoints_are_pruned_on_resume(tmp_path: Path) -> None:
    for name in ('iter_2.pth', 'iter_4.pth', 'iter_6.pth'):
        (tmp_path / name).write_bytes(b'x')
    SafeCheckpointHook(interval=2).before_train(runner(tmp_path, 'stale', ['iter_2.pth']))
    assert sorted(p.name for p in tmp_path.iterdir()) == ['iter_4.pth', 'iter_6.pth']


@pytest.mark.skipif(not os.path.isdir('/proc/self/fd'), reason='needs /proc')
def test_atomic_writes_leak_no_descriptor(tmp_path: Path) -> None:
    before = len(os.listdir('/proc/self/fd'))
    for i in range(5):
        write_atomically(str(tmp_path / 'sub' / 'f.bin'), bytes([i]) * 10)
    assert len(os.listdir('/proc/self/fd')) == before
    assert (tmp_path / 'sub' / 'f.bin').read_bytes() == bytes([4]) * 10
    assert os.listdir(tmp_path / 'sub') == ['f.bin']


def test_all_finite_checks_float_tensors_for_nan_and_inf() -> None:
    import torch

    from segplug.engine.checkpoint_hook import all_finite

    assert all_finite([]) is True
    assert all_finite([torch.tensor([1, 2]), torch.empty(0)]) is True  # ints, empty: skipped
    assert all_finite([torch.ones(3), torch.tensor([1e38, -1e38])]) is True
    for bad in (float('nan'), float('inf'), float('-inf')):
        assert all_finite([torch.ones(3), torch.tensor([0.0, bad])]) is False


def test_nonfinite_tensors_names_exactly_the_bad_ones() -> None:
    import torch
    import torch.nn as nn

    from segplug.engine.checkpoint_hook import nonfinite_tensors

    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    with torch.no_grad():
        model[0].bias[1] = float('inf')
        model[1].running_var[0] = float('nan')
    assert nonfinite_tensors(model) == ['0.bias', '1.running_var']


def saving_runner(work_dir: Path, name: str) -> SimpleNamespace:
    import torch.nn as nn

    run = runner(work_dir, name)

    def save_checkpoint(out_dir, filename, *args, **kwargs):
        (Path(out_dir) / filename).write_bytes(b'whole')

    run.model, run.save_checkpoint = nn.Linear(2, 2), save_checkpoint
    return run


def test_max_keep_ckpts_prunes_after_each_save(tmp_path: Path) -> None:
    run = saving_runner(tmp_path, 'keep')
    hook = SafeCheckpointHook(interval=2, by_epoch=False, max_keep_ckpts=2)
    hook.before_train(run)
    for step in (2, 4, 4, 6):  # 4 twice: a save_last at a scheduled step is not a new one
        hook._save_checkpoint_with_step(run, step, meta={})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'iter_4.pth',
        'iter_6.pth',
        'last_checkpoint',
    ]
    assert list(hook.keep_ckpt_ids) == [4, 6]
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'iter_6.pth')
    assert run.message_hub.get_info(STALE_KEY) == ['iter_2.pth']


@pytest.mark.parametrize(
    'old, new, expected',
    [
        (0.0, 0.1, 0.0),  # lr 0: not rescaled
        (1.0, 0.5, 0.5),
        (0.2, 0.2, 0.2),
    ],
)
def test_resumed_learning_rate_takes_the_configs(
    old: float, new: float, expected: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    from segplug.engine import checkpoint_hook

    logged: list[str] = []
    monkeypatch.setattr(checkpoint_hook, 'print_log', lambda msg, **kw: logged.append(msg))
    group = {'lr': old, 'initial_lr': old}
    scheduler = SimpleNamespace(param_name='lr', base_values=[old], _last_value=[old])
    run = SimpleNamespace(
        iter=10,
        param_schedulers=[scheduler],
        optim_wrapper=SimpleNamespace(optimizer=SimpleNamespace(param_groups=[group])),
    )
    hook = SafeCheckpointHook(interval=1)
    hook._config_lrs = [new]
    hook._apply_config_lr(run)
    assert group == {'lr': expected, 'initial_lr': expected if old else 0.0}
    assert scheduler.base_values == [expected] and scheduler._last_value == [expected]
    assert hook._config_lrs is None
    if old == 0:  # the user asked for a new rate that cannot be applied: say so
        assert logged == [
            "resume: param group 0 has learning rate 0 in the checkpoint; the config's 0.1 is "
            'NOT applied'
        ]
    else:
        assert not any('NOT applied' in m for m in logged)


def test_max_keep_ckpts_zero_keeps_every_checkpoint(tmp_path: Path) -> None:
    """MMEngine's meaning: max_keep_ckpts <= 0 keeps all (0 is not 'keep none')."""
    for keep in (0, -1):
        work = tmp_path / str(keep)
        work.mkdir()
        run = saving_runner(work, f'keep-all-{keep}')
        hook = SafeCheckpointHook(interval=2, by_epoch=False, max_keep_ckpts=keep)
        hook.before_train(run)
        for step in (2, 4, 6):
            hook._save_checkpoint_with_step(run, step, meta={})
        assert sorted(p.name for p in work.iterdir()) == [
            'iter_2.pth',
            'iter_4.pth',
            'iter_6.pth',
            'last_checkpoint',
        ]


def test_nonfinite_model_error_names_five_tensors_and_counts_the_rest(tmp_path: Path) -> None:
    import torch
    import torch.nn as nn

    from segplug.engine.checkpoint_hook import NonFiniteModelError

    run = saving_runner(tmp_path, 'six-bad')
    run.model = nn.Sequential(*[nn.Linear(1, 1, bias=False) for _ in range(6)])
    with torch.no_grad():
        for layer in run.model:
            layer.weight.fill_(float('nan'))
    hook = SafeCheckpointHook(interval=2, by_epoch=False)
    hook.before_train(run)
    with pytest.raises(NonFiniteModelError) as info:
        hook._save_checkpoint_with_step(run, 2, meta={})
    assert '(0.weight, 1.weight, 2.weight, 3.weight, 4.weight, ... (1 more))' in str(info.value)
    assert not (tmp_path / 'iter_2.pth').exists()


def test_resume_without_optimizer_state_keeps_the_checkpoints_learning_rate() -> None:
    """A checkpoint saved with save_optimizer=False (or an OptimWrapperDict) gives no
    learning rate to compare: a resume past iteration 0 leaves the groups alone."""
    group = {'lr': 0.3, 'initial_lr': 0.3}
    run = SimpleNamespace(
        iter=10,
        param_schedulers=[],
        optim_wrapper=SimpleNamespace(optimizer=SimpleNamespace(param_groups=[group])),
    )
    hook = SafeCheckpointHook(interval=1)
    hook.after_load_checkpoint(run, {'state_dict': {}})  # no 'optimizer'
    hook._apply_config_lr(run)
    assert group == {'lr': 0.3, 'initial_lr': 0.3}


def test_misspelled_argument_is_refused_when_the_hook_is_built() -> None:
    """MMEngine keeps unknown arguments for ``save_checkpoint`` and fails at the first save,
    one interval of training later; here the hook refuses them when it is built (at the
    runner's start-up), with the closest name."""
    from segplug.engine.checkpoint_hook import SafeCheckpointHook

    with pytest.raises(ValueError, match=r'checkpoint\.max_keep_ckpt: .*max_keep_ckpts\?'):
        SafeCheckpointHook(interval=10, max_keep_ckpt=1)
    SafeCheckpointHook(interval=10, max_keep_ckpts=1, save_best='mIoU', rule='greater')
    # up to three close names
    with pytest.raises(ValueError, match=r'did you mean save_best, save_begin, save_last\?$'):
        SafeCheckpointHook(interval=10, save_bes='mIoU')


def test_full_disk_keeps_the_old_file_removes_the_partial_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save that runs out of space: the previous file stays whole, the hidden partial file
    is removed (it blocked the next --resume), and the error names the checkpoint, the
    folder, the size needed and the free space."""
    import builtins
    import errno

    import segplug.engine.checkpoint_hook as hook_module
    from segplug.engine.checkpoint_hook import write_atomically

    path = tmp_path / 'iter_4.pth'
    write_atomically(str(path), b'old checkpoint')

    class Full:
        def __init__(self, f) -> None:
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.f.close()

        def write(self, data: bytes) -> None:
            self.f.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(
        hook_module, 'open', lambda p, mode: Full(builtins.open(p, mode)), raising=False
    )
    with pytest.raises(OSError, match=rf'no space left to save {path}: it needs 2\.0 MiB'):
        write_atomically(str(path), b'x' * 2**21)
    assert path.read_bytes() == b'old checkpoint'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['iter_4.pth']
