"""tools/dev/mutation: the mutants generated from a small source, their keys, the fixed-seed
sample, and the equivalents file format (the runs themselves are too slow for the suite)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

sys.path.insert(0, str(REPO / 'tools' / 'dev' / 'mutation'))
from mutants import _describe, file_mutants, iter_sample, mutated_code  # noqa: E402
from runner import CoverageMap, read_equivalents, split_only  # noqa: E402

SOURCE = '''"""Docstring: never mutated."""
import math

LIMIT = 3


def clip(x: float, lo: float = 0.5) -> float:
    """Doc."""
    if x < lo and not math.isnan(x):
        raise ValueError(f'too small: {x + 1}')
    out = [x]
    out.append(x * 2)
    return max(x - lo, LIMIT)
'''


def keys() -> list[str]:
    return [m.key.split(': ', 1)[1] for m in file_mutants(SOURCE, 'm.py')]


def test_each_operator_gives_its_mutants() -> None:
    assert keys() == [
        '3 -> 4',
        '3 -> 2',
        '3 -> 0',
        '0.5 -> 1.5',
        '0.5 -> 0.0',
        'x < lo and (not math.isnan(x)) -> not (x < lo and (not math.isnan(x)))',
        'x < lo and (not math.isnan(x)) -> x < lo or not math.isnan(x)',
        'x < lo -> x <= lo',
        'not math.isnan(x) -> math.isnan(x)',
        "raise ValueError(f'too small: {x + 1}') -> pass",
        'out.append(x * 2) -> pass',
        'x * 2 -> x / 2',
        '2 -> 3',
        '2 -> 1',
        '2 -> 0',
        'return max(x - lo, LIMIT) -> return None',
        'max(x - lo, LIMIT) -> max(LIMIT, x - lo)',
        'x - lo -> x + lo',
    ]


NESTED = """
def f(a, b, c):
    while not a and 0 < b <= c:
        a = -(-a + 1) if -b < 0 else c
    return g(-a, b) if a else [x for x in (b, c) if x != 2]
"""


@pytest.mark.parametrize('source', [SOURCE, NESTED])
def test_one_walk_describes_each_mutant_as_planting_it_alone_does(source: str) -> None:
    """file_mutants makes, describes and undoes each edit in one tree: an undo that left
    anything behind would change every later mutant's text or line."""
    alone = [_describe(source, 'm.py', i)[0] for i in range(len(file_mutants(source, 'm.py')))]
    assert file_mutants(source, 'm.py') == alone
    assert len(alone) > 15 and {m.op for m in alone} >= {'unary', 'negate', 'swap_args', 'remove'}


def test_mutants_compile_and_change_behaviour() -> None:
    mutants = file_mutants(SOURCE, 'm.py')
    by_after = {m.after: m for m in mutants}
    namespace: dict = {}
    exec(mutated_code(SOURCE, 'm.py', by_after['x + lo'].index), namespace)
    assert namespace['clip'](10.0) == 10.5  # x + lo instead of x - lo
    namespace = {}
    exec(mutated_code(SOURCE, 'm.py', by_after['0.0'].index), namespace)
    assert namespace['clip'](0.2) == 3  # no longer below the default bound
    assert [m.line for m in mutants][:5] == [4, 4, 4, 7, 7]


def test_sample_is_fixed_by_the_seed() -> None:
    mutants = file_mutants(SOURCE, 'm.py')
    a = list(iter_sample(mutants, 5, seed=0))
    assert a == list(iter_sample(mutants, 5, seed=0)) and len(a) == 5
    assert a != list(iter_sample(mutants, 5, seed=1))
    assert list(iter_sample(mutants, None, 0)) == mutants


def test_import_time_lines_fall_back_to_the_tests_of_the_file() -> None:
    mutant = file_mutants(SOURCE, 'm.py')[0]  # LIMIT = 3, run only at import
    cov = CoverageMap(
        lines={'m.py': {4: [''], 9: ['t::slow', 't::fast', 't::bad']}},
        durations={'t::slow': 2.0, 't::fast': 0.1},
        failed=['t::bad'],
    )
    assert cov.tests_for(mutant) == ['t::fast', 't::slow']


def test_equivalents_file_needs_a_reason(tmp_path: Path) -> None:
    path = tmp_path / 'eq.txt'
    path.write_text('# comment\na.py:3: 1 -> 2\n    why it is\n    equivalent\nb.py:4: x -> y\n')
    with pytest.raises(ValueError, match=r"without a reason: \['b.py:4: x -> y'\]"):
        read_equivalents(str(path))
    path.write_text('a.py:3: 1 -> 2\n    why it is\n    equivalent\n')
    assert read_equivalents(str(path)) == {'a.py:3: 1 -> 2': 'why it is equivalent'}


def test_checked_in_equivalents_parse() -> None:
    read_equivalents(str(REPO / 'tools' / 'dev' / 'mutation' / 'equivalents.txt'))


def test_import_time_lines_also_run_the_tests_naming_the_module() -> None:
    mutant = file_mutants(SOURCE, 'm.py')[0]
    cov = CoverageMap(
        lines={'m.py': {4: ['']}},
        durations={'t.py::a': 1.0, 'u.py::b': 0.5},
        readers={'m.py': {'t.py'}},
    )
    assert cov.tests_for(mutant) == ['t.py::a']


def test_every_equivalent_names_a_mutant_of_the_current_code() -> None:
    """A key that no longer matches (the line moved or changed) would count its mutant as
    surviving again; catch it here, when the code moves, not at the next mutation run."""
    keys = read_equivalents(str(REPO / 'tools' / 'dev' / 'mutation' / 'equivalents.txt'))
    mutants: dict[str, set[str]] = {}
    for key in keys:
        path = key.split(':', 1)[0]
        if path not in mutants:
            source = (REPO / path).read_text()
            mutants[path] = {m.key for m in file_mutants(source, path)}
        assert key in mutants[path], f'{key}: no such mutant in the current {path}'


def test_only_survivors_names_the_keys_that_no_longer_match() -> None:
    """A survivor whose line moved (its test written beside it) is not silently left out of
    a rerun: the keys no current mutant has are returned to be reported."""
    mutants = file_mutants(SOURCE, 'm.py')
    wanted = [mutants[2].key, mutants[0].key, 'm.py:99: 1 -> 2']
    kept, missing = split_only(mutants, wanted)
    assert kept == [mutants[0], mutants[2]]  # the current order, not the list's
    assert missing == ['m.py:99: 1 -> 2']
    assert split_only(mutants, []) == ([], [])
