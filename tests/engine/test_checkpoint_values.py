"""Strict checkpoint loading, message and effect by value: the first five keys and the
count of the others, the partial load's tensor count and ``module.`` prefixes."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from segplug.engine import load_checkpoint


def chain(n: int) -> nn.Sequential:
    return nn.Sequential(*[nn.Linear(2, 2) for _ in range(n)])


@pytest.mark.parametrize('n, shown', [(2, '4 missing keys (2.weight, 2.bias, 3.weight, '
                                           '3.bias)'),
                                      (3, '6 missing keys (1.weight, 1.bias, 2.weight, '
                                          '2.bias, 3.weight, ... (1 more))')])
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
    torch.save({'state_dict': {f'module.{k}': v for k, v in source.state_dict().items()}},
               path)
    target = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2))
    kept = target[1].weight.detach().clone()
    load_checkpoint(target, str(path), strict=False)
    # 6 tensors, 2 missing (2.*), 2 of another shape (1.*): 2 loaded
    assert len(logged) == 1 and logged[0][1]['level'] == logging.WARNING
    assert logged[0][0].endswith('loading the 2 tensors that fit (--allow-partial-checkpoint).')
    assert torch.equal(target[0].weight, source[0].weight)  # prefix 'module.' dropped
    assert torch.equal(target[1].weight, kept)

