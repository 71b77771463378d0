"""Run mutants of a package against only the tests that execute the mutated line.

This lives in ``tools/`` and not in ``segplug``: the process that forks the mutants must
never have imported segplug (its modules would be registered in MMSegmentation's registries
before the mutated one is), and importing any ``segplug.*`` module imports the package.

Three steps, driven by ``tools/dev/mutation/run.py``:

1. **Coverage map**: the package's tests run once under ``coverage`` with one context per
   test, giving for each line the tests that execute it (and each test's duration and
   outcome; tests that already fail are never used).
2. **Mutants**: for each mutant (``mutants.py``), a forked child imports the
   package with that one module compiled from the mutated tree and runs
   ``pytest -x`` on the covering tests, fastest first, under a timeout. Forking from a
   parent that has already imported torch, MMEngine, MMCV and MMSegmentation (about 6 s)
   makes a mutant cost its tests plus about a second. A line that only runs at import
   (module tables, default arguments) is covered by every test that covers the file.
3. **Report**: killed (a test failed, or the import itself failed), timed out, survived,
   not covered, and the survivors listed in the checked-in file of equivalent mutants,
   each with its reason, as JSON and Markdown.

Only what runs in the test process sees a mutant: a test that runs a tool in a subprocess
imports the unmutated package from disk (coverage does not attribute those lines to it
either).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import os.path as osp
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from mutants import Mutant, file_mutants, iter_sample, mutated_code

# Imported once in the parent so that every forked child starts with them loaded.
HEAVY_IMPORTS = (
    'numpy',
    'torch',
    'torchvision',
    'cv2',
    'scipy.ndimage',
    'timm',
    'mmengine',
    'mmengine.runner',
    'mmcv',
    'mmcv.ops',
    'mmseg',
    'mmseg.models',
    'mmseg.datasets',
    'mmseg.evaluation',
    'mmseg.structures',
    'mmseg.apis',
    'pytest',
    'coverage',
)


@dataclass
class Result:
    """One mutant's outcome: ``killed``, ``timeout``, ``survived``, ``no_tests`` or
    ``equivalent`` (a survivor listed in the equivalents file, with ``reason``)."""

    mutant: Mutant
    status: str
    tests: int = 0
    seconds: float = 0.0
    reason: str = ''
    log_tail: str = ''


@dataclass
class CoverageMap:
    """Which tests execute which line of each file, and what each test costs."""

    lines: dict[str, dict[int, list[str]]] = field(default_factory=dict)  # path -> line -> ids
    durations: dict[str, float] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    # path -> test files that name one of its public top-level names (see ``readers_of``)
    readers: dict[str, set[str]] = field(default_factory=dict)

    def tests_for(self, mutant: Mutant) -> list[str]:
        """Passing tests that run the mutated lines, fastest first; for lines run only at
        import (tables, class attributes, default arguments), every passing test that runs
        the file or whose test file names one of its public names: reading a class
        attribute such as a palette runs no line of the file."""
        by_line = self.lines.get(mutant.path, {})
        ids = {t for ln in range(mutant.line, mutant.end_line + 1) for t in by_line.get(ln, ())}
        ids.discard('')
        if not ids and any(
            '' in by_line.get(ln, ()) for ln in range(mutant.line, mutant.end_line + 1)
        ):
            ids = {t for ts in by_line.values() for t in ts} - {''}
            files = self.readers.get(mutant.path, set())
            ids |= {t for t in self.durations if t.split('::')[0] in files}
        ids -= set(self.failed)
        return sorted(ids, key=lambda t: (self.durations.get(t, 0.0), t))


def readers_of(files: list[str], test_ids: list[str], root: str) -> dict[str, set[str]]:
    """For each package file, the test files (among those of ``test_ids``) whose text names
    one of its public top-level classes, functions or constants."""
    import ast

    texts = {}
    for test_file in {t.split('::')[0] for t in test_ids}:
        with open(osp.join(root, test_file)) as f:
            texts[test_file] = f.read()
    out = {}
    for path in files:
        with open(osp.join(root, path)) as f:
            tree = ast.parse(f.read())
        names = set()
        for node in tree.body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        names = {n for n in names if not n.startswith('_')}
        out[path] = {t for t, text in texts.items() if any(n in text for n in names)}
    return out


def preload() -> None:
    """Import the heavy third-party modules once, in the parent."""
    for name in HEAVY_IMPORTS:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def package_files(package: str, root: str) -> list[str]:
    """Python files of ``package`` (a folder, e.g. ``segplug/engine``) relative to ``root``,
    ``__init__.py`` files excluded (they only re-export)."""
    out = []
    for dirpath, _, files in os.walk(osp.join(root, package)):
        for name in files:
            if name.endswith('.py') and name != '__init__.py':
                out.append(osp.relpath(osp.join(dirpath, name), root))
    if not out:
        raise FileNotFoundError(f'no Python files under {osp.join(root, package)}')
    return sorted(out)


def _fork(child_fn, timeout: float, log_path: str) -> tuple[int | None, float]:
    """Run ``child_fn() -> int`` in a forked child in its own process group, with stdout and
    stderr in ``log_path``; returns (exit code or None on timeout, seconds)."""
    start = time.time()
    pid = os.fork()
    if pid == 0:  # child
        code = 3
        try:
            os.setpgrp()
            fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            code = child_fn()
        except BaseException as exc:  # noqa: BLE001 - the child must always exit here
            print(f'mutation child crashed: {exc!r}', file=sys.stderr)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return code, time.time() - start
        if time.time() - start > timeout:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return None, time.time() - start
        time.sleep(0.05)


def _pytest_args(tests: list[str], root: str) -> list[str]:
    return ['-q', '-p', 'no:cacheprovider', '-o', 'addopts=', '--rootdir', root, *tests]


def build_coverage_map(
    package: str, test_paths: list[str], root: str, out_json: str, timeout: float = 3600
) -> CoverageMap:
    """Run ``test_paths`` once under coverage, one context per test (see module doc)."""

    def child() -> int:
        import coverage
        import pytest

        cov = coverage.Coverage(data_file=None, source=[osp.join(root, package)])
        record: dict[str, Any] = {'durations': {}, 'failed': []}

        class Contexts:
            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_protocol(self, item, nextitem):
                cov.switch_context(item.nodeid)
                yield
                cov.switch_context('')

            def pytest_runtest_logreport(self, report):
                d = record['durations']
                d[report.nodeid] = d.get(report.nodeid, 0.0) + report.duration
                if report.failed and report.nodeid not in record['failed']:
                    record['failed'].append(report.nodeid)

        cov.start()
        pytest.main(_pytest_args(test_paths, root), plugins=[Contexts()])
        cov.stop()
        data = cov.get_data()
        lines = {}
        for path in data.measured_files():
            rel = osp.relpath(path, root)
            lines[rel] = {ln: sorted(ctx) for ln, ctx in data.contexts_by_lineno(path).items()}
        record['lines'] = lines
        with open(out_json, 'w') as f:
            json.dump(record, f)
        return 0

    code, seconds = _fork(child, timeout, out_json + '.log')
    if code != 0 or not osp.isfile(out_json):
        raise RuntimeError(f'coverage run of {test_paths} failed (exit {code}); see {out_json}.log')
    return load_coverage_map(out_json)


def load_coverage_map(path: str) -> CoverageMap:
    with open(path) as f:
        record = json.load(f)
    lines = {p: {int(k): v for k, v in by_line.items()} for p, by_line in record['lines'].items()}
    return CoverageMap(lines, record['durations'], record['failed'])


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports one module from a code object instead of its file."""

    def __init__(self, name: str, path: str, code) -> None:
        self.name, self.path, self.code = name, path, code

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=self)

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        exec(self.code, module.__dict__)


def run_mutant(
    mutant: Mutant,
    cov: CoverageMap,
    root: str,
    log_dir: str,
    min_timeout: float = 60.0,
    factor: float = 3.0,
) -> Result:
    """Run the covering tests against ``mutant`` in a forked child (see module doc)."""
    tests = cov.tests_for(mutant)
    if not tests:
        return Result(mutant, 'no_tests')
    abspath = osp.join(root, mutant.path)
    with open(abspath) as f:
        source = f.read()
    code = mutated_code(source, mutant.path, mutant.index, filename=abspath)
    name = mutant.path[:-3].replace('/', '.')

    def child() -> int:
        import pytest

        sys.meta_path.insert(0, _MutantFinder(name, abspath, code))
        return int(pytest.main(['-x', *_pytest_args(tests, root)]))

    budget = max(min_timeout, factor * sum(cov.durations.get(t, 1.0) for t in tests) + 15)
    log = osp.join(log_dir, 'mutant.log')
    exit_code, seconds = _fork(child, budget, log)
    if exit_code is None:
        status = 'timeout'
    elif exit_code == 0:
        status = 'survived'
    elif exit_code == 5:  # no tests collected: the ids went stale
        status = 'error'
    else:
        status = 'killed'
    with open(log, errors='replace') as f:
        tail = f.read()[-1500:] if status in ('survived', 'error') else ''
    return Result(mutant, status, len(tests), round(seconds, 2), log_tail=tail)


def read_equivalents(path: str) -> dict[str, str]:
    """The checked-in equivalent mutants: a line with ``Mutant.key``, then its reason on
    indented lines; ``#`` lines are comments."""
    out: dict[str, str] = {}
    if not osp.isfile(path):
        return out
    key = None
    with open(path) as f:
        for raw in f:
            line = raw.rstrip('\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            if line[0].isspace():
                if key is None:
                    raise ValueError(f'{path}: a reason before any mutant: {line!r}')
                out[key] = (out[key] + ' ' + line.strip()).strip()
            else:
                key = line.strip()
                out[key] = ''
    missing = [k for k, v in out.items() if not v]
    if missing:
        raise ValueError(f'{path}: equivalent mutants without a reason: {missing}')
    return out


def select_mutants(package: str, root: str, sample: int | None, seed: int) -> tuple[int, list]:
    """(number of mutants of the package, the fixed-seed sample of them)."""
    everything: list[Mutant] = []
    for path in package_files(package, root):
        with open(osp.join(root, path)) as f:
            everything += file_mutants(f.read(), path)
    return len(everything), list(iter_sample(everything, sample, seed))


def summarize(results: list[Result]) -> dict[str, int]:
    counts = {s: 0 for s in ('killed', 'timeout', 'survived', 'no_tests', 'equivalent', 'error')}
    for r in results:
        counts[r.status] += 1
    return counts


def write_report(package: str, total: int, results: list[Result], meta: dict, out_dir: str) -> str:
    """``report.json`` and ``report.md`` in ``out_dir``; returns the Markdown text."""
    counts = summarize(results)
    n = len(results)
    detected = counts['killed'] + counts['timeout']
    rate = detected / max(1, n - counts['equivalent'])
    with open(osp.join(out_dir, 'report.json'), 'w') as f:
        json.dump(
            {
                'package': package,
                'total_mutants': total,
                'run': n,
                'counts': counts,
                'kill_rate': rate,
                **meta,
                'results': [{**asdict(r), 'key': r.mutant.key} for r in results],
            },
            f,
            indent=1,
        )
    lines = [
        f'# Mutation report: {package}',
        '',
        f'{n} of {total} mutants run ({meta.get("sampling")}); '
        f'{detected} killed ({counts["timeout"]} of them by timeout), '
        f'{counts["equivalent"]} equivalent, {counts["survived"]} survived, '
        f'{counts["no_tests"]} not covered by any test, {counts["error"]} errors: '
        f'**{detected}/{n - counts["equivalent"]} = {100 * rate:.1f}% killed** '
        '(equivalents left out).',
        '',
        f'Command: `{meta.get("command")}`',
        '',
    ]
    for status in ('survived', 'no_tests', 'error', 'equivalent'):
        chosen = [r for r in results if r.status == status]
        if chosen:
            lines += [f'## {status} ({len(chosen)})', '']
            lines += [f'- `{r.mutant.key}`' + (f': {r.reason}' if r.reason else '') for r in chosen]
            lines.append('')
    text = '\n'.join(lines)
    with open(osp.join(out_dir, 'report.md'), 'w') as f:
        f.write(text)
    return text


def split_only(mutants: list[Mutant], only: list[str]) -> tuple[list[Mutant], list[str]]:
    """The mutants whose key ``only`` lists, and the listed keys no current mutant has
    (sorted)."""
    wanted = set(only)
    kept = [m for m in mutants if m.key in wanted]
    return kept, sorted(wanted - {m.key for m in kept})


def run_package(
    package: str,
    test_paths: list[str],
    root: str,
    out_dir: str,
    equivalents_file: str,
    sample: int | None = None,
    seed: int = 0,
    reuse_coverage: bool = True,
    command: str = '',
    only: list[str] | None = None,
    min_timeout: float = 60.0,
) -> list[Result]:
    """The whole run for one package (see module doc); ``only`` restricts it to the
    mutants whose key is listed (to re-check survivors)."""
    os.makedirs(out_dir, exist_ok=True)
    preload()
    cov_json = osp.join(out_dir, 'coverage.json')
    t0 = time.time()
    if reuse_coverage and osp.isfile(cov_json):
        cov = load_coverage_map(cov_json)
    else:
        cov = build_coverage_map(package, test_paths, root, cov_json)
    cov_seconds = time.time() - t0
    print(
        f'coverage map: {len(cov.durations)} tests, {len(cov.failed)} failing '
        f'({cov_seconds:.0f} s)',
        flush=True,
    )
    cov.readers = readers_of(package_files(package, root), list(cov.durations), root)
    total, mutants = select_mutants(package, root, sample, seed)
    sampling = (
        f'all {total}'
        if len(mutants) == total
        else f'fixed-seed sample: random.Random({seed}).sample of {len(mutants)}'
    )
    previous: list[Result] = []
    if only is not None:  # rerun these, keep the previous report's other results
        mutants, missing = split_only(mutants, only)
        # a key whose line moved or changed keeps its old result, said aloud, not dropped
        previous = [
            r
            for r in load_results(osp.join(out_dir, 'report.json'))
            if r.mutant.key not in set(only) or r.mutant.key in missing
        ]
        for key in missing:
            print(
                f'not rerun, no such mutant in the current code (its line moved or changed; '
                f'plant it by hand): {key}',
                flush=True,
            )
    equivalents = read_equivalents(equivalents_file)
    results = []
    with tempfile.TemporaryDirectory() as log_dir:
        for i, mutant in enumerate(mutants):
            result = run_mutant(mutant, cov, root, log_dir, min_timeout)
            if result.status in ('survived', 'no_tests') and mutant.key in equivalents:
                result.status, result.reason = 'equivalent', equivalents[mutant.key]
            results.append(result)
            print(
                f'[{i + 1}/{len(mutants)}] {result.status:9s} {result.seconds:6.1f}s '
                f'{result.tests:3d} tests  {mutant.key}',
                flush=True,
            )
            done = i + 1 == len(mutants)
            # written after every mutant, so a run stopped early still leaves its report
            write_report(
                package,
                total,
                sorted(previous + results, key=lambda r: (r.mutant.path, r.mutant.index)),
                {
                    'sampling': sampling + ('' if done else f' (stopped after {i + 1} of them)'),
                    'seed': seed,
                    'command': command,
                    'tests': test_paths,
                    'coverage_seconds': round(cov_seconds, 1),
                },
                out_dir,
            )
    return sorted(previous + results, key=lambda r: (r.mutant.path, r.mutant.index))


def load_results(report_json: str) -> list[Result]:
    """The results of an earlier ``report.json``."""
    with open(report_json) as f:
        rows = json.load(f)['results']
    return [
        Result(
            Mutant(**row['mutant']),
            row['status'],
            row['tests'],
            row['seconds'],
            row['reason'],
            row['log_tail'],
        )
        for row in rows
    ]
