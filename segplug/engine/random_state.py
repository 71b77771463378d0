"""Exact resume: every random state of a training saved with each checkpoint and restored on
``--resume``; validation kept off the training's random stream.

MMEngine seeds a run once (``randomness.seed``); on resume it restores weights, optimizer,
schedulers and the message hub, and replays the data loader over the iterations already
trained, which puts the ``InfiniteSampler`` back at its position and, since every worker is
seeded by ``worker_init_fn`` from the run's seed and gets the same batches, replays the
workers' augmentations too. It saves no generator state, so a resumed run draws other
dropout masks (torch), other main-process augmentations (numpy, ``random``) than the unbroken
run; and every validation draws from the training's torch generator (each ``iter`` of a
``DataLoader`` draws a base seed), so with dropout ``val_interval`` alone changed the weights.

Here:

* :func:`record_random_state` (called by ``SafeCheckpointHook`` on every rank before each
  save, a collective) puts every rank's generators (torch CPU, CUDA for every device once
  CUDA is in use, numpy, Python ``random``, the train loader's own generator) and the seeds
  its sampler and workers were built with into the message hub's runtime info, which MMEngine
  saves into the checkpoint and loads back on resume.
* :class:`RandomStateHook` restores them on resume, right after MMEngine's replay and before
  the first new batch is loaded (the replay itself draws from numpy when ``num_workers=0``),
  and re-seeds the sampler and workers first when they were built with another seed
  (MMEngine builds the train loader before it resumes, with the config's seed, and re-seeds
  only the global generators with the checkpoint's). It also saves the generators before a
  validation and restores them after it, so a validation leaves training as it was.

An older checkpoint without the state still resumes, with a one-line warning.
"""

from __future__ import annotations

import logging
import random
from functools import partial
from typing import Any

import numpy as np
import torch
from mmengine import dist
from mmengine.dataset import InfiniteSampler
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmseg.registry import HOOKS

#: message hub runtime info (saved in every checkpoint): one state per rank
RANDOM_STATE_KEY = 'segplug_random_state'


def capture_generators() -> dict:
    """This process's global generators: torch CPU, CUDA (every device, once CUDA is in use;
    asking earlier would start it), numpy's legacy global one and Python's ``random``."""
    cuda = torch.cuda.is_available() and torch.cuda.is_initialized()
    return {
        'torch': torch.get_rng_state(),
        'cuda': torch.cuda.get_rng_state_all() if cuda else None,
        'numpy': np.random.get_state(),
        'random': random.getstate(),
    }


def restore_generators(state: dict) -> None:
    """Set the generators of :func:`capture_generators` back.

    Raises:
        ValueError: CUDA states of another number of devices than this process sees.
    """
    torch.set_rng_state(state['torch'])
    cuda = state.get('cuda')
    if cuda is not None and torch.cuda.is_available():
        if len(cuda) != torch.cuda.device_count():
            raise ValueError(
                f'the checkpoint holds CUDA random states of {len(cuda)} devices, this '
                f'process sees {torch.cuda.device_count()}'
            )
        torch.cuda.set_rng_state_all(cuda)
    np.random.set_state(state['numpy'])
    random.setstate(state['random'])


def _sampler(loader: Any) -> Any:
    batch_sampler = getattr(loader, 'batch_sampler', None)
    return getattr(batch_sampler, 'sampler', None) or getattr(loader, 'sampler', None)


def loader_state(loader: Any) -> dict:
    """What a train loader was built with: its sampler's and its workers' seed (MMEngine
    binds the seed into ``worker_init_fn``), and its own generator's state if it has one."""
    init_fn = getattr(loader, 'worker_init_fn', None)
    generator = getattr(loader, 'generator', None)
    return {
        'sampler_seed': getattr(_sampler(loader), 'seed', None),
        'worker_seed': init_fn.keywords.get('seed') if isinstance(init_fn, partial) else None,
        'generator': generator.get_state() if generator is not None else None,
    }


def record_random_state(runner: Any) -> None:
    """Put every rank's random state into ``runner.message_hub`` (runtime info
    :data:`RANDOM_STATE_KEY`, saved with the next checkpoint). During a validation (a
    ``save_best`` checkpoint) the training's generators from before it are recorded
    (:attr:`RandomStateHook.paused_training`).

    Collective under DDP: every rank calls it (``Runner.save_checkpoint`` and its
    ``before_save_checkpoint`` hooks run on rank 0 only, hence not a hook method).
    """
    hook = next((h for h in runner.hooks if isinstance(h, RandomStateHook)), None)
    own = dict((hook and hook.paused_training) or capture_generators())
    own['loader'] = loader_state(runner.train_dataloader)
    states = dist.all_gather_object(own) if dist.is_distributed() else [own]
    runner.message_hub.update_info(RANDOM_STATE_KEY, states)


def _warn(message: str) -> None:
    print_log(message, logger='current', level=logging.WARNING)


def reseed_loader(loop: Any, saved: dict) -> bool:
    """Give the train loader of ``loop`` the sampler seed, worker seed and generator state of
    ``saved`` (:func:`loader_state`); if a seed changed, start the loop's batch iterator
    again (it had started with the old ones). Returns whether a seed changed."""
    loader = loop.dataloader
    sampler = _sampler(loader)
    changed = False
    if saved.get('sampler_seed') is not None and getattr(sampler, 'seed', None) is not None:
        if sampler.seed != saved['sampler_seed']:
            sampler.seed = saved['sampler_seed']
            if isinstance(sampler, InfiniteSampler):  # its index stream is built at init
                sampler.indices = sampler._indices_of_rank()
            changed = True
    init_fn = loader.worker_init_fn
    if saved.get('worker_seed') is not None and isinstance(init_fn, partial):
        if init_fn.keywords.get('seed') != saved['worker_seed']:
            keywords = {**init_fn.keywords, 'seed': saved['worker_seed']}
            loader.worker_init_fn = partial(init_fn.func, *init_fn.args, **keywords)
            changed = True
    if saved.get('generator') is not None and loader.generator is not None:
        loader.generator.set_state(saved['generator'])
    if changed and isinstance(loop, IterBasedTrainLoop):
        # persistent workers were started (and seeded) with the old seed: new ones
        loader._iterator = None
        loop.dataloader_iterator = type(loop.dataloader_iterator)(loader)
    return changed


class _RestoreAfterReplay:
    """The batch iterator of an ``IterBasedTrainLoop`` being resumed at iteration ``skip``:
    MMEngine first draws the ``skip`` batches already trained, then the next one; just
    before that one the saved generators are restored, and the loop gets its iterator back."""

    def __init__(self, loop: Any, skip: int, state: dict) -> None:
        self.loop, self.inner, self.skip, self.state = loop, loop.dataloader_iterator, skip, state

    def __iter__(self) -> _RestoreAfterReplay:
        return self

    def __next__(self) -> Any:
        if self.skip == 0:
            restore_generators(self.state)
            self.loop.dataloader_iterator = self.inner
        else:
            self.skip -= 1
        return next(self.inner)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Exact resume and validation off the training's random stream (module docstring).

    On resume from a checkpoint with the state of :func:`record_random_state`, the run goes
    on bit-equal to an unbroken one (weights, optimizer, schedulers), dropout included;
    without it (an older checkpoint), with a one-line warning that it will not be.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._loaded: dict | None = None
        #: the training's generators while a validation runs
        self.paused_training: dict | None = None

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        # MMEngine calls this for load_from too; before_train tells a resume (iter > 0)
        hub = checkpoint.get('message_hub') or {}
        info = hub.get('runtime_info', {}) if isinstance(hub, dict) else hub.runtime_info
        meta = checkpoint.get('meta') or {}
        self._loaded = {'states': info.get(RANDOM_STATE_KEY), 'iter': meta.get('iter')}

    def before_train(self, runner: Any) -> None:
        loaded, self._loaded = self._loaded, None
        if loaded is None or runner.iter == 0:
            return
        states, rank = loaded['states'], dist.get_rank()
        if not states:
            _warn(
                f'resume at iteration {runner.iter}: the checkpoint holds no random state '
                '(saved before segplug saved it), so the run goes on but not bit-exact: '
                'dropout and augmentations draw other numbers than an unbroken run'
            )
            return
        if len(states) != dist.get_world_size():
            _warn(
                f'resume at iteration {runner.iter}: the checkpoint holds the random state '
                f'of {len(states)} processes, this run has {dist.get_world_size()}; they are '
                'not restored, so the run goes on but not bit-exact'
            )
            return
        state = states[rank]
        loop = runner.train_loop
        if reseed_loader(loop, state.get('loader') or {}):
            print_log(
                f'resume: the train loader is seeded as the checkpoint was '
                f"({state['loader']}), not with this run's seed {runner.seed}",
                logger='current',
            )
        if isinstance(loop, IterBasedTrainLoop):
            loop.dataloader_iterator = _RestoreAfterReplay(loop, runner.iter, state)
        else:  # an epoch-based loop loads no batch before the next epoch
            restore_generators(state)

    def before_val(self, runner: Any) -> None:
        # MMEngine has no such fork; torch.random.fork_rng would cover torch's generators
        # only, not numpy's and Python's, which a validation's transforms may draw from
        self.paused_training = capture_generators()

    def after_val(self, runner: Any) -> None:
        state, self.paused_training = self.paused_training, None
        if state is not None:
            restore_generators(state)
