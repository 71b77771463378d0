"""Exact resume with dropout: a run stopped after a checkpoint and resumed in a new Runner ends
bit-equal to the unbroken run (weights, optimizer, schedulers), validation inside the run or
not, seeded or not; ``val_interval`` alone does not change the weights; an older checkpoint
without random state resumes with a one-line warning.

(The same with SIGKILL at the worst moments, tools/train.py in a subprocess:
test_fault_injection.py.)
"""

from __future__ import annotations

import random
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.dataset import InfiniteSampler
from mmengine.logging import MessageHub
from mmengine.runner import Runner

import segplug.engine.random_state as random_state
from segplug.engine import adapt_cfg, read_checkpoint, resolve_resume
from segplug.engine.random_state import (
    RANDOM_STATE_KEY,
    RandomStateHook,
    capture_generators,
    loader_state,
    record_random_state,
    reseed_loader,
    restore_generators,
)
from tests.helpers import tiny_cfg

MAX_ITERS = 6


def train(
    work: Path,
    resume_from: str | None = None,
    val_interval: int = 2,
    seed: int | None = 0,
    workers: int = 0,
) -> dict:
    """tiny_cfg with dropout 0.5 in both heads, validation every ``val_interval``
    iterations, a checkpoint every 2; returns the last checkpoint."""
    cfg = tiny_cfg(
        work, max_iters=MAX_ITERS, ckpt_interval=2, dropout=0.5, narrow=True,
        val_interval=val_interval,
    )  # fmt: skip
    cfg.randomness = dict(seed=seed)
    cfg.train_dataloader.num_workers = workers
    cfg.train_dataloader.persistent_workers = workers > 0
    cfg.resume, cfg.load_from = resume_from is not None, resume_from
    adapt_cfg(cfg)
    resolve_resume(cfg)
    Runner.from_cfg(cfg).train()
    return torch.load(work / f'iter_{MAX_ITERS}.pth', map_location='cpu', weights_only=False)


def assert_bit_equal(ref: dict, got: dict) -> None:
    assert got['meta']['iter'] == ref['meta']['iter'] == MAX_ITERS
    assert ref['state_dict'].keys() == got['state_dict'].keys()
    for k, v in ref['state_dict'].items():
        assert torch.equal(v, got['state_dict'][k]), k
    ref_opt, got_opt = ref['optimizer']['state'], got['optimizer']['state']
    assert ref_opt.keys() == got_opt.keys()
    for k in ref_opt:
        for name, v in ref_opt[k].items():
            assert torch.equal(torch.as_tensor(v), torch.as_tensor(got_opt[k][name])), (k, name)
    assert ref['optimizer']['param_groups'] == got['optimizer']['param_groups']
    assert ref['param_schedulers'] == got['param_schedulers']


@pytest.fixture(scope='module')
def ref(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The unbroken run (validation at iterations 2, 4, 6)."""
    work = tmp_path_factory.mktemp('exact') / 'ref'
    return work, train(work)


def test_checkpoints_hold_every_ranks_random_state(ref: tuple[Path, dict]) -> None:
    work, _ = ref
    ckpt = read_checkpoint(str(work / 'iter_4.pth'))  # the safe unpickler reads it
    states = ckpt['message_hub']['runtime_info'][RANDOM_STATE_KEY]
    assert len(states) == 1  # one process
    assert set(states[0]) == {'torch', 'cuda', 'numpy', 'random', 'loader'}
    assert states[0]['loader'] == {'sampler_seed': 0, 'worker_seed': 0, 'generator': None}


def test_resumed_run_is_bit_equal_with_dropout_and_validation(
    ref: tuple[Path, dict], tmp_path: Path
) -> None:
    work, final = ref
    # stopped after iteration 4 (its checkpoint written, its validation run or not)
    assert_bit_equal(final, train(tmp_path, resume_from=str(work / 'iter_4.pth')))


def test_val_interval_does_not_change_the_weights(ref: tuple[Path, dict], tmp_path: Path) -> None:
    assert_bit_equal(ref[1], train(tmp_path, val_interval=3))  # validation at 3 and 6


@pytest.mark.parametrize(
    'workers',
    [0, pytest.param(1, marks=pytest.mark.slow)],  # 1: a worker process
)
def test_unseeded_run_resumes_bit_equal(tmp_path: Path, workers: int) -> None:
    """Without ``randomness.seed`` MMEngine draws a new seed for the resumed run and builds
    the train loader (sampler; with workers, ``worker_init_fn`` and persistent workers) with
    it before resuming; the checkpoint's seeds are put back."""
    final = train(tmp_path / 'ref', seed=None, workers=workers)
    resumed = train(
        tmp_path / 'resumed',
        resume_from=str(tmp_path / 'ref' / 'iter_4.pth'),
        seed=None,
        workers=workers,
    )
    assert_bit_equal(final, resumed)


def test_old_checkpoint_resumes_with_a_one_line_warning(
    ref: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ckpt = torch.load(ref[0] / 'iter_4.pth', map_location='cpu', weights_only=False)
    del ckpt['message_hub']['runtime_info'][RANDOM_STATE_KEY]
    ckpt['message_hub']['resumed_keys'].pop(RANDOM_STATE_KEY)
    old = tmp_path / 'old.pth'
    torch.save(ckpt, old)
    seen: list[str] = []
    monkeypatch.setattr(random_state, 'print_log', lambda msg, **kw: seen.append(msg))
    final = train(tmp_path / 'resumed', resume_from=str(old))
    assert final['meta']['iter'] == MAX_ITERS
    assert len(seen) == 1 and '\n' not in seen[0], seen
    assert seen[0].startswith('resume at iteration 4: the checkpoint holds no random state')
    assert 'not bit-exact' in seen[0]
    # and its own checkpoints hold the state again
    assert final['message_hub']['runtime_info'][RANDOM_STATE_KEY]


# ---- the pieces, by value ----


def draws() -> tuple:
    return torch.rand(3), np.random.rand(3), random.random()


def test_generators_round_trip() -> None:
    state = capture_generators()
    first = draws()
    restore_generators(state)
    again = draws()
    assert torch.equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert first[2] == again[2]


def test_cuda_generators_are_restored_when_the_state_has_them(monkeypatch) -> None:
    """Without a GPU: CUDA reported present, its generator calls recorded. A state with
    CUDA generator states sets them (one per device, else an error naming both counts); a
    state without (saved on CPU) leaves CUDA's generators alone."""
    calls = []
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    monkeypatch.setattr(torch.cuda, 'set_rng_state_all', lambda states: calls.append(states))
    state = capture_generators() | {'cuda': None}
    restore_generators(state)
    assert calls == []
    cuda_states = [torch.zeros(16, dtype=torch.uint8)]
    restore_generators(state | {'cuda': cuda_states})
    assert calls == [cuda_states]
    with pytest.raises(ValueError, match='CUDA random states of 2 devices, this process sees 1'):
        restore_generators(state | {'cuda': cuda_states * 2})


def hub_runner(hooks: list, loader: object = None) -> SimpleNamespace:
    hub = MessageHub(name=f'random-state-{id(hooks)}')
    return SimpleNamespace(hooks=hooks, message_hub=hub, train_dataloader=loader)


def test_validation_leaves_the_generators_as_they_were() -> None:
    hook = RandomStateHook()
    runner = hub_runner([hook])
    before = capture_generators()
    expected = draws()
    restore_generators(before)
    hook.before_val(runner)
    draws()  # what a validation may draw: loader base seeds, augmentations
    record_random_state(runner)  # a save_best checkpoint, saved during the validation
    hook.after_val(runner)
    assert hook.paused_training is None
    got = draws()
    assert torch.equal(expected[0], got[0]) and np.array_equal(expected[1], got[1])
    assert expected[2] == got[2]
    # the recorded state is the training's, from before the validation
    saved = runner.message_hub.get_info(RANDOM_STATE_KEY)
    assert torch.equal(saved[0]['torch'], before['torch'])
    assert saved[0]['random'] == before['random']


def test_loader_state_and_reseed() -> None:
    dataset = list(range(10))
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=2,
        sampler=InfiniteSampler(dataset, seed=3),
        worker_init_fn=partial(lambda worker_id, seed: None, seed=3),
        generator=torch.Generator().manual_seed(5),
    )
    saved = loader_state(loader)
    assert saved['sampler_seed'] == 3 and saved['worker_seed'] == 3
    assert torch.equal(saved['generator'], torch.Generator().manual_seed(5).get_state())
    expected = [b.tolist() for b, _ in zip(loader, range(3))]

    other = torch.utils.data.DataLoader(
        dataset,
        batch_size=2,
        sampler=InfiniteSampler(dataset, seed=4),
        worker_init_fn=partial(lambda worker_id, seed: None, seed=4),
        generator=torch.Generator().manual_seed(6),
    )
    loop = SimpleNamespace(dataloader=other)
    assert reseed_loader(loop, saved) is True
    assert other.worker_init_fn.keywords == {'seed': 3}
    assert torch.equal(other.generator.get_state(), saved['generator'])
    assert [b.tolist() for b, _ in zip(other, range(3))] == expected
    assert reseed_loader(loop, loader_state(other)) is False  # already so


def loaded_hook(states: list | None) -> RandomStateHook:
    hook = RandomStateHook()
    runtime_info = {} if states is None else {RANDOM_STATE_KEY: states}
    hook.after_load_checkpoint(
        SimpleNamespace(), {'meta': {'iter': 4}, 'message_hub': {'runtime_info': runtime_info}}
    )
    return hook


def test_resume_of_another_world_size_warns_and_restores_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []
    monkeypatch.setattr(random_state, 'print_log', lambda msg, **kw: seen.append(msg))
    state = capture_generators()
    hook = loaded_hook([state, state])  # saved by 2 processes, resumed by 1
    loop = SimpleNamespace(dataloader_iterator='untouched')
    hook.before_train(SimpleNamespace(iter=4, train_loop=loop))
    assert seen == [
        'resume at iteration 4: the checkpoint holds the random state of 2 processes, this '
        'run has 1; they are not restored, so the run goes on but not bit-exact'
    ]
    assert loop.dataloader_iterator == 'untouched'


def test_epoch_based_resume_restores_at_once_and_load_from_restores_nothing() -> None:
    state = dict(capture_generators(), loader={})
    expected = draws()
    hook = loaded_hook([state])
    hook.before_train(SimpleNamespace(iter=0, train_loop=None))  # load_from: a new run
    assert not torch.equal(torch.get_rng_state(), state['torch'])
    hook = loaded_hook([state])
    loop = SimpleNamespace(dataloader=SimpleNamespace(worker_init_fn=None, generator=None))
    hook.before_train(SimpleNamespace(iter=4, train_loop=loop, seed=0))  # not iteration-based
    got = draws()
    assert torch.equal(expected[0], got[0]) and np.array_equal(expected[1], got[1])
