"""CI runs exactly the README's test command, and that command lints and format-checks."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _readme_test_command() -> str:
    """The command line under the README's '# 2. set up and run the tests' comment."""
    lines = (REPO / 'README.md').read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r'# 2\. set up and run the tests', line):
            return lines[i + 1].strip()
    raise AssertionError('README.md has no "# 2. set up and run the tests" command')


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / '.ci' / 'run').read_text().strip().splitlines()[-1].strip()
    assert ci == _readme_test_command()


def test_the_test_command_checks_lint_and_format_before_the_tests() -> None:
    steps = [s.strip() for s in _readme_test_command().split('&&')]
    assert steps[0] == 'bash tools/setup_env.sh --test'
    assert steps[1:] == [
        'python -m ruff check .',
        'python -m ruff format --check .',
        'python -m pytest tests',
    ]


def test_pre_commit_runs_the_same_ruff_as_the_test_requirements() -> None:
    pinned = re.search(r'^ruff==(\S+)', (REPO / 'requirements-test.txt').read_text(), re.M)
    hooks = (REPO / '.pre-commit-config.yaml').read_text()
    assert pinned is not None
    assert f'rev: v{pinned.group(1)}' in hooks
    assert '- id: ruff-format' in hooks and '- id: ruff\n' in hooks
