"""Every command line the docs show for a tool parses: the synopses in the tools' docstrings
and the ``python tools/...`` lines of the README, docs/ and the method READMEs, with their
placeholders filled in, are given to the tool's own argument parser (in this process, the
tool stopped right after parsing). A documented option the tool does not take, or a
positional order it refuses, fails here (pytorch2onnx's ``--shape H W OUT.onnx`` did).
What the commands then do is tested by each tool's own tests."""

from __future__ import annotations

import argparse
import ast
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import DEMO_DATA, REPO, run_tool_here

CONFIG = 'configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py'
IMAGE = str(DEMO_DATA / 'images' / 'val' / '0016E5_07959.jpg')
# placeholder -> value (a placeholder is an upper-case word, e.g. CONFIG, H, OUT.onnx)
VALUES = {
    'CONFIG': CONFIG,
    'IMAGE': IMAGE,
    'IMG': IMAGE,
    'PNG': IMAGE,
    'H': '64',
    'W': '64',
    'N': '2',
    'R': '2',
    'S1': '0',
    'S2': '1',
    'GPUS': '2',
    'G': '2',
    'S': '0',
    'K=V': 'train_cfg.max_iters=2',
    'KEY=VALUE': 'train_cfg.max_iters=2',
    'k=v': 'train_cfg.max_iters=2',
}
PLACEHOLDER = re.compile(r'^[A-Z][A-Z0-9_]*(\.[a-z]+)?$|^<[^>]+>$|^\$')


class _Parsed(Exception):
    """Raised right after the tool's parser accepted its command line."""


def _fill(token: str) -> str:
    if token in VALUES:
        return VALUES[token]
    if '=' in token and '$' in token:  # KEY=$value
        return token.split('=')[0] + '=x'

    if PLACEHOLDER.match(token) or '$' in token or '<' in token:
        return 'work_dirs/documented/x' + (Path(token).suffix if '.' in token else '')
    return token


def _expand(words: list[str], keep_optional: bool) -> list[str]:
    """A synopsis as arguments: ``[...]`` groups kept (or dropped), ``(a | b)`` and ``a|b``
    the first alternative, ``...`` dropped (after an option: one example value)."""
    tokens = []
    for w in words:
        tokens += [t for t in re.split(r'([\[\]()])', w) if t]
    pos = 0

    def seq(stop: tuple[str, ...]) -> list[str]:
        nonlocal pos
        out: list[str] = []
        while pos < len(tokens) and tokens[pos] not in stop:
            t = tokens[pos]
            pos += 1
            if t == '[':
                inner = seq((']',))
                pos += 1
                out += inner if keep_optional else []
            elif t == '(':
                first = seq(('|', ')'))
                while pos < len(tokens) and tokens[pos] == '|':
                    pos += 1
                    seq(('|', ')'))
                pos += 1
                out += first
            elif t == '...':
                if out and out[-1].startswith('--'):
                    out.append(VALUES['K=V'] if out[-1] == '--cfg-options' else 'x')
            else:
                out.append(t.split('|')[0])
        return out

    result = seq(())
    while pos < len(tokens):  # a stray '|' at top level: keep the first alternative
        pos += 1
        seq(())
    return result


def _commands_in_docstrings() -> list[tuple[str, str]]:
    found = []
    for path in sorted((REPO / 'tools').rglob('*.py')):
        if 'mutation' in path.parts:
            continue
        doc = ast.get_docstring(ast.parse(path.read_text())) or ''
        lines = doc.splitlines()
        for i, line in enumerate(lines):
            if not line.strip().startswith('python tools/'):
                continue
            parts, j = [line.strip()], i + 1
            while parts[-1].endswith('\\') or (
                j < len(lines) and lines[j].strip().startswith(('[', '--'))
            ):
                parts[-1] = parts[-1].rstrip('\\')
                if j >= len(lines):
                    break
                parts.append(lines[j].strip())
                j += 1
            found.append((str(path.relative_to(REPO)), ' '.join(parts)))
    return found


def _commands_in_markdown() -> list[tuple[str, str]]:
    """``python tools/...`` lines of fenced code blocks (shell continuations joined), and
    inline code spans that start a command (they may wrap over lines in prose)."""
    files = subprocess.run(
        ['git', 'ls-files', '*.md'], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    command = re.compile(r'python tools/[\w/]+\.py[^\n]*')
    found = []
    for name in files:
        text = (REPO / name).read_text().replace('\\|', '|')
        fences = re.compile(r'^```[^\n]*\n(.*?)^```', re.S | re.M)
        for block in fences.findall(text):
            block = re.sub(r'\\\n\s*', ' ', block)  # shell continuation lines
            found += [(name, m.group(0)) for m in command.finditer(block)]
        prose = fences.sub('', text)
        for span in re.findall(r'`([^`]+)`', prose):
            span = ' '.join(span.split())
            found += [(name, m.group(0)) for m in command.finditer(span)]
    return found


def _words(command: str) -> list[str]:
    command = re.split(r'\s#|\s>\s|\s\(dry run', command)[0]
    command = re.sub(r'\$\([^)]*\)', '$X', command)  # $(basename $cfg .py)
    return shlex.split(command, posix=True)


COMMANDS = sorted(set(_commands_in_docstrings() + _commands_in_markdown()))


def _parse_only(argv: list[str], monkeypatch) -> tuple[int, str]:
    """Run the tool as ``__main__`` until its parser returns; (exit code, stderr)."""
    original = argparse.ArgumentParser.parse_known_args

    def parse_known_args(self, args=None, namespace=None):
        result = original(self, args, namespace)
        if sys._getframe(1).f_globals.get('__name__') != 'argparse':
            raise _Parsed
        return result

    def finished(method):
        def call(self, *a, **k):
            method(self, *a, **k)
            raise _Parsed

        return call

    monkeypatch.setattr(argparse.ArgumentParser, 'parse_known_args', parse_known_args)
    for name in ('parse_args', 'parse_intermixed_args'):
        monkeypatch.setattr(
            argparse.ArgumentParser, name, finished(getattr(argparse.ArgumentParser, name))
        )
    proc = run_tool_here(argv)
    if '_Parsed' in proc.stderr:
        return 0, ''
    return proc.returncode, proc.stderr  # a tool without options ran to its end


def test_commands_are_found() -> None:
    tools = {c.split()[1] for _, c in COMMANDS}
    # every tool with a synopsis, and the README's own commands
    assert {'tools/train.py', 'tools/test.py', 'tools/deployment/pytorch2onnx.py'} <= tools
    assert len(COMMANDS) > 60


@pytest.mark.parametrize('where,command', COMMANDS, ids=[f'{w}: {c[:60]}' for w, c in COMMANDS])
def test_documented_command_parses(where: str, command: str, monkeypatch) -> None:
    words = _words(command)
    variants = {tuple(_expand(words, True)), tuple(_expand(words, False))}
    for variant in sorted(variants):
        argv = [sys.executable, variant[1], *(_fill(w) for w in variant[2:])]
        code, err = _parse_only(argv, monkeypatch)
        if len(variant) == 2 and 'arguments are required' in err:
            continue  # the script named in prose, not a command line
        assert code == 0, f'{where}: `{command}` as {argv[1:]}:\n{err[-1500:]}'


def test_the_check_refuses_what_a_parser_refuses(monkeypatch) -> None:
    """Controls: an option the tool lacks and a missing positional fail; a good line passes."""
    train = [sys.executable, 'tools/train.py']
    assert _parse_only([*train, CONFIG, '--no-such-option'], monkeypatch)[0] == 2
    assert _parse_only([*train, '--amp'], monkeypatch)[0] == 2
    assert _parse_only([*train, CONFIG, '--amp'], monkeypatch) == (0, '')


def test_synopsis_expansion_by_hand() -> None:
    words = _words('python tools/x.py CONFIG [CKPT] (--a 1 | --b) [--c cpu|cuda] [--o ...]')
    assert _expand(words, True) == [
        'python',
        'tools/x.py',
        'CONFIG',
        'CKPT',
        '--a',
        '1',
        '--c',
        'cpu',
        '--o',
        'x',
    ]
    assert _expand(words, False) == ['python', 'tools/x.py', 'CONFIG', '--a', '1']
    assert _words('python tools/x.py A  # comment') == ['python', 'tools/x.py', 'A']
    assert _fill('load_from=$ck') == 'load_from=x' and _fill('H') == '64'
