"""``--cfg-options KEY=VALUE ...`` that cannot silently do nothing.

MMEngine's ``DictAction`` takes any key (a typo such as ``trian_cfg.max_iters=2`` trains with
the defaults), deletes the spaces in every value and answers ``a.b`` (no ``=``) with a bare
unpacking error. Here:

* a malformed pair is an argparse error naming the pair;
* values keep their spaces (``data_root=/data/my camvid``); lists and tuples are written as
  in MMEngine (``a=1,2``, ``a=[1, 2]``, ``a=(1,2)``, nested), their items stripped;
  ``'...'`` or ``"..."`` makes a string of what is inside, as typed;
* a top-level key that the resolved config does not have, and that MMEngine's runner does
  not read either, is an error listing the closest existing keys (adding a *new* key deeper
  in the config, e.g. an argument a module accepts but the config leaves at its default,
  is how MMSegmentation configs are customised, so that stays allowed, with a warning);
* when building the model, datasets or loops then fails on a ``TypeError`` / ``KeyError``
  that mentions an option's key (``unexpected keyword argument 'depht'``) or its value (a
  registry type), :func:`blame_cfg_options` re-raises it naming that option.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import inspect
import logging
from collections.abc import Iterator
from typing import Any

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

# top-level keys MMEngine's runner, MMSegmentation's and segplug's tools read from a config
# although configs rarely set them (so they are legitimate options)
RUNNER_KEYS = frozenset(
    set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    | {
        'runner_type',
        'custom_imports',
        'model_wrapper_cfg',
        'compile',
        'activation_checkpointing',
        'efficient_conv_bn_eval',
        'gpu_ids',
        'tta_model',
        'tta_pipeline',
    }
)

# sections whose keys MMEngine's runner reads by name and ignores otherwise (a typo there
# would change nothing, silently)
STRICT = {
    'env_cfg': {'cudnn_benchmark', 'mp_cfg', 'dist_cfg', 'resource_limit'},
    'randomness': {'seed', 'deterministic', 'diff_rank_seed'},
}

# top-level keys MMEngine reads only without a model_wrapper_cfg: where they go instead
MOVED = {'find_unused_parameters': 'model_wrapper_cfg.find_unused_parameters'}


def _split_top(text: str) -> list[str]:
    """Split at the commas that are outside brackets and quotes."""
    items, depth, quote, start = [], 0, None, 0
    for i, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in '\'"':
            quote = char
        elif char in '([':
            depth += 1
        elif char in ')]':
            depth -= 1
        elif char == ',' and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return items


def parse_value(text: str) -> Any:
    """A ``--cfg-options`` value: int, float, bool, None, a string as typed (spaces kept),
    or a list / tuple of those (``1,2``, ``[a, b]``, ``(1, 2)``, nested)."""
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in '\'"':
        return stripped[1:-1]
    brackets = stripped[:1] + stripped[-1:]
    if brackets in ('()', '[]') and len(_split_top(stripped)) == 1:
        inner = stripped[1:-1]
        items = [parse_value(item.strip()) for item in _split_top(inner) if item.strip()]
        return tuple(items) if brackets == '()' else items
    parts = _split_top(stripped)
    if len(parts) > 1:
        return [parse_value(item.strip()) for item in parts if item.strip()]
    return DictAction._parse_int_float_bool(text)


class CfgOptionsAction(DictAction):
    """``--cfg-options`` action: MMEngine's ``DictAction`` with values parsed by
    :func:`parse_value` (spaces kept) and malformed pairs named."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        options = dict(getattr(namespace, self.dest, None) or {})
        for pair in values or []:
            key, sep, value = pair.partition('=')
            if not sep or not key.strip():
                raise argparse.ArgumentError(
                    self, f'{pair!r} is not KEY=VALUE (e.g. train_cfg.max_iters=100)'
                )
            options[key.strip()] = parse_value(value)
        setattr(namespace, self.dest, options)


def check_cfg_options(cfg: Config, options: dict) -> None:
    """Refuse options whose top-level key ``cfg`` (resolved) and the runner do not know,
    listing the closest existing keys; warn about new keys deeper down.

    Raises:
        ValueError: naming the option and the closest keys.
    """
    known = set(cfg.keys()) | RUNNER_KEYS
    for key in options:
        parts = key.split('.')
        if parts[0] in MOVED and cfg.get('model_wrapper_cfg'):
            raise ValueError(
                f'--cfg-options {key}: MMEngine ignores it when model_wrapper_cfg is set '
                f"(as segplug's runtime does); use {MOVED[parts[0]]} instead"
            )
        if parts[0] not in known:
            close = difflib.get_close_matches(parts[0], sorted(known), n=3, cutoff=0.6)
            raise ValueError(
                f'--cfg-options {key}: the config has no key {parts[0]!r}'
                + (
                    f'; closest: {", ".join(close)}'
                    if close
                    else f'; its keys: {", ".join(sorted(cfg.keys()))}'
                )
            )
        if parts[0] in STRICT and len(parts) > 1 and parts[1] not in STRICT[parts[0]]:
            close = difflib.get_close_matches(parts[1], sorted(STRICT[parts[0]]), n=3, cutoff=0.6)
            raise ValueError(
                f'--cfg-options {key}: MMEngine reads no {parts[1]!r} in {parts[0]} (it would be '
                f'ignored); it reads {", ".join(sorted(STRICT[parts[0]]))}'
                + (f'; closest: {", ".join(close)}' if close else '')
            )
        if parts[0] not in cfg.keys():
            continue  # a runner key the config leaves unset: nothing deeper to compare
        node: Any = cfg[parts[0]]
        for depth, part in enumerate(parts[1:], start=1):
            if isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                if isinstance(node, dict):
                    close = difflib.get_close_matches(part, list(node), n=3, cutoff=0.6)
                    hint = f' (closest there: {", ".join(close)})' if close else ''
                    print_log(
                        f'--cfg-options {key}: adds {part!r} to '
                        f'{".".join(parts[:depth])}, which did not have it{hint}',
                        logger='current',
                        level=logging.WARNING,
                    )
                break


def merge_cfg_options(cfg: Config, options: dict | None) -> Config:
    """Check ``options`` (:func:`check_cfg_options`) and merge them into ``cfg``."""
    if options:
        check_cfg_options(cfg, options)
        cfg.merge_from_dict(options)
    return cfg


def _culprits(err: BaseException, options: dict) -> list[str]:
    message = str(err)
    by_key = [k for k in options if f"'{k.rsplit('.', 1)[-1]}'" in message]
    by_value = [k for k, v in options.items() if isinstance(v, str) and len(v) > 1 and v in message]
    return by_key or by_value


@contextlib.contextmanager
def blame_cfg_options(options: dict | None) -> Iterator[None]:
    """Re-raise a ``TypeError`` / ``KeyError`` / ``ValueError`` raised while building from
    the config (e.g. ``int('abc')`` for ``train_cfg.max_iters=abc``) as a ``ValueError``
    naming the ``--cfg-options`` entry it mentions (others pass unchanged)."""
    try:
        yield
    except (TypeError, KeyError, ValueError) as err:
        culprits = _culprits(err, options or {})
        if not culprits:
            raise
        named = ', '.join(f'{k}={options[k]!r}' for k in culprits)
        reason = err.args[0] if isinstance(err, KeyError) and err.args else err
        raise ValueError(
            f'--cfg-options {named} was refused: {type(err).__name__}: {reason}'
        ) from err
