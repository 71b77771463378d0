"""configure_amp's result, option by option, and AutocastOptimWrapper's dtype."""

from __future__ import annotations

import pytest
import torch
from mmengine.config import Config

from segplug.engine import AutocastOptimWrapper, configure_amp


def cfg(**wrapper) -> Config:
    return Config(dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1), **wrapper)))


@pytest.mark.parametrize(
    'wrapper', [dict(), dict(type='OptimWrapper'), dict(type='mmengine.OptimWrapper')]
)
@pytest.mark.parametrize(
    'cuda, dtype, expected',
    [
        (True, None, dict(type='AmpOptimWrapper', dtype='float16', loss_scale='dynamic')),
        (True, 'bfloat16', dict(type='AmpOptimWrapper', dtype='bfloat16', loss_scale='dynamic')),
        (False, None, dict(type='AutocastOptimWrapper', dtype='bfloat16')),
        (False, 'bfloat16', dict(type='AutocastOptimWrapper', dtype='bfloat16')),
    ],
)
def test_configure_amp_sets_the_wrapper(wrapper, cuda, dtype, expected) -> None:
    config = cfg(**wrapper)
    assert configure_amp(config, dtype, cuda=cuda) is config
    assert config.optim_wrapper.to_dict() == {'optimizer': dict(type='SGD', lr=0.1), **expected}


def test_a_mixed_precision_wrapper_is_kept() -> None:
    config = cfg(type='AmpOptimWrapper', dtype='bfloat16')
    assert configure_amp(config, cuda=True) is config
    assert config.optim_wrapper.to_dict() == {
        'optimizer': dict(type='SGD', lr=0.1),
        'type': 'AmpOptimWrapper',
        'dtype': 'bfloat16',
    }


@pytest.mark.parametrize('dtype, cast', [('bfloat16', torch.bfloat16), ('float16', torch.float16)])
def test_autocast_wrapper_dtype(dtype: str, cast: torch.dtype) -> None:
    model = torch.nn.Linear(2, 2)
    wrapper = AutocastOptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), dtype=dtype)
    assert wrapper.cast_dtype is cast
    with wrapper.optim_context(model):
        assert model(torch.ones(1, 2)).dtype == cast


def test_autocast_wrapper_refuses_other_dtypes() -> None:
    model = torch.nn.Linear(2, 2)
    with pytest.raises(ValueError, match="dtype must be one of .*got 'float32'"):
        AutocastOptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), dtype='float32')
