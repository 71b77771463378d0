"""``--cfg-options`` parsing and checking at the edge cases: a lone quote, quotes that
protect commas, nested brackets, list indices in keys, and the warning that names where a
new key lands (its prefix and the closest existing keys)."""

from __future__ import annotations

import sys

import pytest
from mmengine.config import Config

from segplug.engine import merge_cfg_options
from segplug.engine.cfg_options import parse_value


@pytest.mark.parametrize(
    'text, value',
    [
        ("'abc", "'abc"),  # an opening quote alone is part of the string
        ("abc'", "abc'"),
        ("'", "'"),
        ("' a b '", ' a b '),  # quoted: as typed
        ('"1,2"', '1,2'),
        ("[a, 'b,c']", ['a', 'b,c']),  # quotes protect commas
        ("['b,c', d, 'e']", ['b,c', 'd', 'e']),  # ... until they close
        ('(1,2),(3,4)', [(1, 2), (3, 4)]),
        ('[1, [2, 3]]', [1, [2, 3]]),
        ('(1,)', (1,)),
        ('x,', ['x']),
        ('0.5', 0.5),
        ('None', None),
        ('true', True),
    ],
)
def test_parse_value_edge_cases(text: str, value) -> None:
    assert parse_value(text) == value
    assert type(parse_value(text)) is type(value)


def cfg() -> Config:
    return Config(
        dict(
            model=dict(backbone=dict(depth=18, stages=[dict(a=1), dict(b=2)])),
            train_cfg=dict(max_iters=10),
        )
    )


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    logged: list[str] = []
    module = sys.modules[merge_cfg_options.__module__]
    monkeypatch.setattr(module, 'print_log', lambda msg, **kw: logged.append(msg))
    return logged


def test_merge_returns_the_merged_config(warnings) -> None:
    config = cfg()
    assert merge_cfg_options(config, {'train_cfg.max_iters': 3}) is config
    assert config.train_cfg.max_iters == 3
    assert merge_cfg_options(config, None) is config and warnings == []


def test_new_deep_key_warning_names_its_parent_and_closest(warnings) -> None:
    merge_cfg_options(cfg(), {'model.backbone.dpeth': 50})
    assert warnings == [
        "--cfg-options model.backbone.dpeth: adds 'dpeth' to model.backbone, "
        'which did not have it (closest there: depth)'
    ]


def test_list_indices_in_keys_are_followed(warnings) -> None:
    config = cfg()
    merge_cfg_options(config, {'model.backbone.stages.1.b': 3})
    assert warnings == []
    merge_cfg_options(cfg(), {'model.backbone.stages.1.c': 3})
    assert warnings == [
        "--cfg-options model.backbone.stages.1.c: adds 'c' to "
        'model.backbone.stages.1, which did not have it'
    ]


def test_unknown_top_level_key_names_the_closest() -> None:
    with pytest.raises(ValueError, match="the config has no key 'trian_cfg'; closest: train_cfg"):
        merge_cfg_options(cfg(), {'trian_cfg.max_iters': 3})


def test_load_cfg_defaults_the_work_dir_to_the_config_name(tmp_path) -> None:
    from segplug.engine import load_cfg

    config = tmp_path / 'fcn_r18_1xb2-10i_x-64x64.py'
    config.write_text('train_cfg = dict(max_iters=10)\n')
    cfg = load_cfg(str(config), {'train_cfg.max_iters': 3})
    assert cfg.work_dir == './work_dirs/fcn_r18_1xb2-10i_x-64x64'
    assert cfg.train_cfg.max_iters == 3 and cfg.launcher == 'none'
    assert load_cfg(str(config), work_dir='/w').work_dir == '/w'
    config.write_text("work_dir = '/kept'\n")
    assert load_cfg(str(config)).work_dir == '/kept'
