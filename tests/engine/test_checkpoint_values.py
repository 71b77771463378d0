"""Strict checkpoint loading, message and effect by value: the first five keys and the
count of the others, the partial load's tensor count and ``module.`` prefixes."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from segplug.engine import load_checkpoint


def chain(n: int) -> nn.Sequential:
    return nn.Sequential(*[nn.Linear(2, 2) for _ in range(n)])


@pytest.mark.parametrize(
    'n, shown',
    [
        (2, '4 missing keys (2.weight, 2.bias, 3.weight, 3.bias)'),
        (3, '6 missing keys (1.weight, 1.bias, 2.weight, 2.bias, 3.weight, ... (1 more))'),
    ],
)
def test_message_lists_five_keys_then_a_count(tmp_path: Path, n: int, shown: str) -> None:
    path = tmp_path / 'c.pth'
    torch.save({'state_dict': chain(4 - n).state_dict()}, path)
    with pytest.raises(ValueError) as err:
        load_checkpoint(chain(4), str(path))
    assert shown in str(err.value)


def test_partial_load_counts_what_fits(tmp_path: Path, monkeypatch) -> None:
    import sys

    logged = []
    module = sys.modules[load_checkpoint.__module__]
    monkeypatch.setattr(module, 'print_log', lambda msg, **kw: logged.append((msg, kw)))
    source = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 3))
    path = tmp_path / 'c.pth'
    torch.save({'state_dict': {f'module.{k}': v for k, v in source.state_dict().items()}}, path)
    target = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2))
    kept = target[1].weight.detach().clone()
    load_checkpoint(target, str(path), strict=False)
    # 6 tensors, 2 missing (2.*), 2 of another shape (1.*): 2 loaded
    assert len(logged) == 1 and logged[0][1]['level'] == logging.WARNING
    assert logged[0][0].endswith('loading the 2 tensors that fit (--allow-partial-checkpoint).')
    assert torch.equal(target[0].weight, source[0].weight)  # prefix 'module.' dropped
    assert torch.equal(target[1].weight, kept)


def save(path: Path, whole: bool = True) -> str:
    torch.save({'state_dict': {'w': torch.zeros(64)}}, path)
    if not whole:
        path.write_bytes(path.read_bytes()[:200])
    return str(path)


def test_resume_lists_each_damaged_checkpoint_once(tmp_path: Path) -> None:
    from segplug.engine import find_resume_checkpoint

    four = save(tmp_path / 'iter_4.pth', whole=False)
    two = save(tmp_path / 'iter_2.pth', whole=False)
    (tmp_path / 'last_checkpoint').write_text(four)
    with pytest.raises(ValueError) as err:
        find_resume_checkpoint(str(tmp_path))
    assert str(err.value) == (
        f'no whole checkpoint to resume in {tmp_path}: {four}, {two} are all damaged'
    )


def test_resume_prefers_the_named_checkpoint_then_the_newest(tmp_path: Path) -> None:
    from segplug.engine import find_resume_checkpoint

    save(tmp_path / 'iter_10.pth')
    two = save(tmp_path / 'iter_2.pth')
    (tmp_path / 'last_checkpoint').write_text(two)
    assert find_resume_checkpoint(str(tmp_path)) == two
    (tmp_path / 'last_checkpoint').write_text('/moved/away/iter_2.pth')
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_2.pth')
    (tmp_path / 'last_checkpoint').write_text('')
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_10.pth')


def test_damaged_load_from_is_refused_before_training(tmp_path: Path) -> None:
    """A corrupt ``load_from`` (one flipped bit: CRC), a truncated one, an empty one and a
    missing one stop start-up with the path; MMEngine would otherwise load what it can of it
    without a word. A whole file and a URL pass."""
    from mmengine.config import Config

    from segplug.engine.runtime import resolve_resume

    whole = save(tmp_path / 'whole.pth')
    flipped = tmp_path / 'flipped.pth'
    data = bytearray(Path(whole).read_bytes())
    entry = data.find(b'data/0') + 200  # inside the tensor payload of the zip archive
    data[entry] ^= 0x01
    flipped.write_bytes(bytes(data))
    cases = {
        str(flipped): 'CRC',
        save(tmp_path / 'cut.pth', whole=False): 'not a zip|Bad',
        str(tmp_path / 'missing.pth'): 'No such file',
    }
    (tmp_path / 'empty.pth').write_bytes(b'')
    cases[str(tmp_path / 'empty.pth')] = 'empty file'
    for path, why in cases.items():
        expected = rf'load_from={path}: not a whole checkpoint .*({why})'
        with pytest.raises(ValueError, match=expected):
            resolve_resume(Config(dict(load_from=path, resume=False)))
    assert resolve_resume(Config(dict(load_from=whole, resume=False))) is None
    assert resolve_resume(Config(dict(load_from='https://x/y.pth', resume=False))) is None


class FakeRunner:
    def __init__(self, model: nn.Module) -> None:
        self.model, self.calls, self.infos = model, [], []
        self.logger = type('L', (), {'info': lambda _, msg: self.infos.append(msg)})()

    def call_hook(self, name: str, **kwargs) -> None:
        self.calls.append((name, sorted(kwargs)))


@pytest.mark.parametrize('strict', [True, False])
def test_runner_checkpoint_calls_hooks_then_loads(tmp_path: Path, strict: bool) -> None:
    from segplug.engine import load_runner_checkpoint

    source = nn.Linear(2, 2)
    path = str(tmp_path / 'c.pth')
    torch.save({'state_dict': source.state_dict(), 'meta': {'iter': 3}}, path)
    runner = FakeRunner(nn.Linear(2, 2))
    checkpoint = load_runner_checkpoint(runner, path, strict=strict)
    assert checkpoint['meta'] == {'iter': 3}
    assert runner.calls == [('after_load_checkpoint', ['checkpoint'])]
    assert torch.equal(runner.model.weight, source.weight)
    assert runner.infos == [
        f'Load checkpoint from {path}' + ('' if strict else ' (--allow-partial-checkpoint)')
    ]


def test_runner_checkpoint_is_strict_by_default(tmp_path: Path) -> None:
    from segplug.engine import load_runner_checkpoint

    path = str(tmp_path / 'c.pth')
    torch.save({'state_dict': nn.Linear(2, 3).state_dict()}, path)
    with pytest.raises(ValueError, match='tensors of another shape'):
        load_runner_checkpoint(FakeRunner(nn.Linear(2, 2)), path)


def test_runner_checkpoint_mismatch_names_the_config(tmp_path: Path) -> None:
    from segplug.engine import load_runner_checkpoint

    path = str(tmp_path / 'c.pth')
    torch.save({'state_dict': nn.Linear(2, 3).state_dict()}, path)
    runner = FakeRunner(nn.Linear(2, 2))
    runner.cfg = type('Cfg', (), {'filename': 'configs/x/model_a.py'})()
    with pytest.raises(ValueError, match='does not fit the model of configs/x/model_a.py'):
        load_runner_checkpoint(runner, path)
    with pytest.raises(ValueError, match='the model of given.py'):
        load_runner_checkpoint(runner, path, config='given.py')


def test_a_folder_is_not_a_missing_checkpoint(tmp_path: Path) -> None:
    from segplug.engine import check_checkpoint_path, read_checkpoint

    work = tmp_path / 'work'
    work.mkdir()
    with pytest.raises(IsADirectoryError, match='is a folder, not a checkpoint file.*no .pth'):
        read_checkpoint(str(work))
    for name in ('iter_2.pth', 'iter_4.pth'):
        torch.save({'state_dict': {}}, work / name)
        time.sleep(0.01)
    with pytest.raises(IsADirectoryError, match=f'e.g. {work}/iter_4.pth'):
        check_checkpoint_path(str(work))
    with pytest.raises(FileNotFoundError, match='checkpoint file not found: .*absent.pth'):
        check_checkpoint_path(str(tmp_path / 'absent.pth'))
    check_checkpoint_path(str(work / 'iter_2.pth'))  # a file: no error
