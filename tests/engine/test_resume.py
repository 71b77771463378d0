"""What ``--resume`` resumes from: the newest whole checkpoint, whatever ``last_checkpoint``
says; damaged files are named and skipped; nothing to resume is said plainly.

(A real training killed at several moments and resumed bit-equal: test_fault_injection.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config

import segplug.engine.checkpoint as checkpoint_module
import segplug.engine.runtime as runtime_module
from segplug.engine import find_resume_checkpoint, resolve_resume


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    for module in (checkpoint_module, runtime_module):
        monkeypatch.setattr(module, 'print_log', lambda msg, **kw: seen.append(msg))
    return seen


def save(work: Path, step: int, truncate: bool = False) -> Path:
    path = work / f'iter_{step}.pth'
    torch.save({'meta': {'iter': step}, 'state_dict': {'w': torch.randn(64, 64)}}, path)
    if truncate:  # what a kill during MMEngine's in-place save leaves
        path.write_bytes(path.read_bytes()[:2000])
    return path


def point(work: Path, target: str) -> None:
    (work / 'last_checkpoint').write_text(target)


def test_last_checkpoint_is_followed_when_whole(tmp_path: Path, warnings: list) -> None:
    save(tmp_path, 2), save(tmp_path, 4)
    point(tmp_path, str(tmp_path / 'iter_2.pth'))  # e.g. killed before it named iter_4
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_2.pth')
    assert not warnings


def test_truncated_newest_is_named_and_skipped(tmp_path: Path, warnings: list) -> None:
    save(tmp_path, 2), save(tmp_path, 4), save(tmp_path, 6, truncate=True)
    (tmp_path / 'iter_8.pth').write_bytes(b'')
    point(tmp_path, str(tmp_path / 'iter_6.pth'))
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_4.pth')
    assert any('iter_6.pth' in w and 'not a whole checkpoint' in w for w in warnings)
    assert any('iter_8.pth' in w and 'empty' in w for w in warnings)


def test_corrupt_bytes_are_detected(tmp_path: Path, warnings: list) -> None:
    save(tmp_path, 2)
    data = bytearray(save(tmp_path, 4).read_bytes())
    data[len(data) // 2] ^= 0xFF  # torch.load would not notice; the zip CRC does
    (tmp_path / 'iter_4.pth').write_bytes(bytes(data))
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_2.pth')
    assert any('iter_4.pth' in w and 'CRC' in w for w in warnings)


@pytest.mark.parametrize('pointer', ['', 'stale', 'moved', None])
def test_bad_last_checkpoint_falls_back_to_scan(
    tmp_path: Path, warnings: list, pointer: str | None
) -> None:
    save(tmp_path, 2), save(tmp_path, 10)
    if pointer == 'stale':
        point(tmp_path, str(tmp_path / 'iter_12.pth'))  # removed by hand since
    elif pointer == 'moved':
        point(tmp_path, '/old/work_dir/iter_10.pth')
    elif pointer is not None:
        point(tmp_path, pointer)
    # iter_10 is newer than iter_2 by number (not by name order)
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_10.pth')
    if pointer is not None:
        assert warnings and 'last_checkpoint' in warnings[0]


def test_only_damaged_checkpoints_is_an_error(tmp_path: Path) -> None:
    save(tmp_path, 2, truncate=True)
    with pytest.raises(ValueError, match=r'no whole checkpoint to resume.*iter_2\.pth'):
        find_resume_checkpoint(str(tmp_path))


def test_resolve_resume(tmp_path: Path, warnings: list) -> None:
    cfg = Config(dict(work_dir=str(tmp_path), resume=True, load_from=None))
    assert resolve_resume(cfg) is None and cfg.resume is False
    assert any('nothing to resume' in w for w in warnings)

    cfg.resume = True
    save(tmp_path, 2), save(tmp_path, 4, truncate=True)
    point(tmp_path, str(tmp_path / 'iter_4.pth'))
    assert resolve_resume(cfg) == str(tmp_path / 'iter_2.pth')
    # MMEngine's runner reads last_checkpoint; the config is not pinned to the file
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'iter_2.pth')
    assert cfg.load_from is None and cfg.resume is True

    cfg.load_from = str(tmp_path / 'iter_4.pth')  # an explicit file is not replaced
    with pytest.raises(ValueError, match=r'iter_4\.pth: not a whole checkpoint'):
        resolve_resume(cfg)
