"""``--cfg-options``: unknown top-level keys refused with the closest ones, new deep keys
allowed, values keep their spaces, malformed pairs named, constructor errors traced back to
the option (``segplug/engine/cfg_options.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from mmengine.runner import Runner

import segplug  # noqa: F401
from segplug.engine import CfgOptionsAction, adapt_cfg, blame_cfg_options, load_cfg
from segplug.engine.cfg_options import merge_cfg_options, parse_value
from tests.helpers import DEMO_CONFIG, tiny_cfg


def parse(*pairs: str) -> dict:
    parser = argparse.ArgumentParser(prog='tool', exit_on_error=False)
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser.parse_args(['--cfg-options', *pairs]).cfg_options


def test_values_keep_their_spaces_and_lists_parse_as_in_mmengine() -> None:
    opts = parse(
        'train_dataloader.dataset.data_root=/data/my camvid',
        'a=[1, 2]',
        'b=(1,2)',
        'c=x, y',
        'd=[(1, 2), [a b, c]]',
        "e='3'",
        'f=true',
        'g=None',
        'h=1e-3',
        'i=[]',
        'j=a=b',
    )
    assert opts == {
        'train_dataloader.dataset.data_root': '/data/my camvid',
        'a': [1, 2],
        'b': (1, 2),
        'c': ['x', 'y'],
        'd': [(1, 2), ['a b', 'c']],
        'e': '3',
        'f': True,
        'g': None,
        'h': 1e-3,
        'i': [],
        'j': 'a=b',
    }
    assert parse_value('"x, y"') == 'x, y'  # quotes keep a comma in a string


def test_malformed_pair_is_named(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(argparse.ArgumentError, match="'train_cfg.max_iters' is not KEY=VALUE"):
        parse('train_cfg.max_iters')
    parser = argparse.ArgumentParser(prog='tool')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    with pytest.raises(SystemExit):
        parser.parse_args(['--cfg-options', 'a=1', 'model.backbone'])
    assert "'model.backbone' is not KEY=VALUE" in capsys.readouterr().err


def test_unknown_top_level_key_lists_the_closest() -> None:
    with pytest.raises(
        ValueError,
        match=r"trian_cfg\.max_iters.*no key 'trian_cfg'.*"
        r'closest: train_cfg',
    ):
        load_cfg(str(DEMO_CONFIG), {'trian_cfg.max_iters': 2})


def test_new_deep_keys_and_runner_keys_are_allowed() -> None:
    cfg = load_cfg(
        str(DEMO_CONFIG),
        {'model.decode_head.new_arg': 'x y', 'randomness.seed': 3, 'train_cfg.max_iters': 7},
    )
    assert cfg.model.decode_head.new_arg == 'x y'
    assert cfg.randomness.seed == 3 and cfg.train_cfg.max_iters == 7


def test_constructor_rejection_names_the_option(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path)
    options = {'model.backbone.depht': 18}
    merge_cfg_options(cfg, options)
    adapt_cfg(cfg)
    with pytest.raises(
        ValueError,
        match=r'--cfg-options model\.backbone\.depht=18 was '
        r"refused: TypeError: .*'depht'",
    ):
        with blame_cfg_options(options):
            Runner.from_cfg(cfg)
    options = {'model.decode_head.type': 'FCNHed'}
    cfg = tiny_cfg(tmp_path)
    merge_cfg_options(cfg, options)
    with pytest.raises(ValueError, match=r"model\.decode_head\.type='FCNHed' was refused"):
        with blame_cfg_options(options):
            Runner.from_cfg(cfg)


def test_blame_by_value_skips_one_character_values_and_quotes_keyerrors_plainly() -> None:
    """A value is blamed when the message quotes it, but not a one-character value, which
    almost any message contains; a KeyError's own message is shown without the quotes that
    str(KeyError) adds (its first argument)."""
    options = {'train_cfg.max_iters': 'abc', 'model.decode_head.ignore_index': 'a'}
    with pytest.raises(ValueError) as info:
        with blame_cfg_options(options):
            int('abc')
    assert str(info.value).startswith(
        "--cfg-options train_cfg.max_iters='abc' was refused: ValueError: invalid literal"
    )
    options = {'model.decode_head.type': 'FCNHed'}
    with pytest.raises(ValueError) as info:
        with blame_cfg_options(options):
            raise KeyError('FCNHed is not in the mmseg::model registry', 'extra context')
    assert str(info.value) == (
        "--cfg-options model.decode_head.type='FCNHed' was refused: KeyError: "
        'FCNHed is not in the mmseg::model registry'
    )


def test_unrelated_errors_pass_unchanged() -> None:
    with pytest.raises(TypeError, match='other'):
        with blame_cfg_options({'model.backbone.depth': 18}):
            raise TypeError('some other problem')


def test_top_level_find_unused_parameters_is_refused_not_dropped() -> None:
    """MMEngine reads a top-level ``find_unused_parameters`` only without a
    ``model_wrapper_cfg``; segplug's runtime sets one, so the key would do nothing."""
    with pytest.raises(ValueError, match=r'model_wrapper_cfg\.find_unused_parameters instead'):
        load_cfg(str(DEMO_CONFIG), {'find_unused_parameters': True})
    cfg = load_cfg(str(DEMO_CONFIG), {'model_wrapper_cfg.find_unused_parameters': True})
    assert cfg.model_wrapper_cfg.find_unused_parameters is True
    cfg.find_unused_parameters = True  # a config file that sets it
    with pytest.raises(ValueError, match='ignored by MMEngine when model_wrapper_cfg is set'):
        adapt_cfg(cfg)


def test_deterministic_training_is_refused_on_cuda_before_it_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """torch has no deterministic CUDA backward for bilinear interpolation (every decode
    head), adaptive average pooling or weighted bincount: under
    ``randomness.deterministic=True`` the first step would stop, so it is refused up front,
    by the train tools and by tools/multi_seed.py before its first run. On CPU it runs."""
    from segplug.utils.multi_seed import run_seeds

    cfg = load_cfg(str(DEMO_CONFIG), {'randomness.deterministic': True})
    adapt_cfg(cfg)  # CPU: allowed
    monkeypatch.setattr('torch.cuda.is_available', lambda: True)
    with pytest.raises(ValueError, match='bilinear F.interpolate.*adaptive average pooling'):
        adapt_cfg(load_cfg(str(DEMO_CONFIG), {'randomness.deterministic': True}))
    adapt_cfg(load_cfg(str(DEMO_CONFIG), {'randomness.seed': 1}))  # not deterministic: fine

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError('a run started')

    with pytest.raises(ValueError, match='deterministic'):
        run_seeds(str(DEMO_CONFIG), [0, 1], 'unused', 'tools', deterministic=True, run=never)


def test_options_and_configs_that_would_fail_late_fail_first(tmp_path: Path) -> None:
    """A typo in a section MMEngine reads by name (``env_cfg.cudnn_benchmrk``) would be
    ignored; a value that cannot convert (``train_cfg.max_iters=abc``) would end in a bare
    ``int()`` error; an empty config or one without ``model`` in an ``AttributeError`` /
    ``KeyError``. Each is a ValueError naming the option or the file."""
    with pytest.raises(ValueError, match=r'env_cfg\.cudnn_benchmrk.*closest: cudnn_benchmark'):
        load_cfg(str(DEMO_CONFIG), {'env_cfg.cudnn_benchmrk': True})
    load_cfg(str(DEMO_CONFIG), {'env_cfg.cudnn_benchmark': True})
    empty = tmp_path / 'empty.py'
    empty.write_text('')
    with pytest.raises(ValueError, match=f'{empty}: the config file is empty'):
        load_cfg(str(empty))
    modelless = tmp_path / 'modelless.py'
    modelless.write_text('train_cfg = dict(max_iters=3)\n')
    with pytest.raises(ValueError, match=f'{modelless}: the config defines no `model`'):
        load_cfg(str(modelless), require_model=True)
    assert load_cfg(str(modelless)).train_cfg.max_iters == 3  # a dataset-only tool may
    options = {'train_cfg.max_iters': 'abc'}
    with pytest.raises(ValueError, match=r"train_cfg\.max_iters='abc' was refused"):
        with blame_cfg_options(options):
            int(options['train_cfg.max_iters'])  # what the loop does with it
