"""MMEngine checkpoints load under torch's safe unpickler; arbitrary objects still do not."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch
from mmengine.runner import Runner

import segplug  # noqa: F401
from segplug.engine import adapt_cfg
from tests.helpers import tiny_cfg


class Evil:
    def __reduce__(self):  # would run code on a weights_only=False load
        return (print, ('pwned',))


def test_runner_checkpoint_loads_with_weights_only(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path, max_iters=2, ckpt_interval=2)
    adapt_cfg(cfg)
    Runner.from_cfg(cfg).train()
    ckpt = torch.load(tmp_path / 'iter_2.pth', map_location='cpu', weights_only=True)
    assert ckpt['meta']['iter'] == 2
    assert 'message_hub' in ckpt and 'optimizer' in ckpt and 'param_schedulers' in ckpt


def test_load_from_uses_safe_loader(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'a', max_iters=2, ckpt_interval=2)
    adapt_cfg(cfg)
    Runner.from_cfg(cfg).train()
    cfg2 = tiny_cfg(tmp_path / 'b', max_iters=2, ckpt_interval=2)
    cfg2.load_from = str(tmp_path / 'a' / 'iter_2.pth')
    adapt_cfg(cfg2)
    runner = Runner.from_cfg(cfg2)
    runner.load_or_resume()
    ref = torch.load(cfg2.load_from, map_location='cpu')['state_dict']
    for k, v in runner.model.state_dict().items():
        assert torch.equal(v, ref[k]), k


def test_untrusted_objects_still_refused(tmp_path: Path) -> None:
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'x': Evil()}, path)
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        torch.load(path, map_location='cpu')


class Sneaky:
    def __reduce__(self):  # a getattr on anything but HistoryBuffer must be refused
        return (getattr, (int, 'from_bytes'))


def test_getattr_is_restricted_to_history_buffer(tmp_path: Path) -> None:
    path = tmp_path / 'sneaky.pth'
    torch.save({'x': Sneaky()}, path, pickle_protocol=2)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, map_location='cpu')
