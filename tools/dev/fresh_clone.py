"""Time the README's two commands and the fast test tier in a fresh clone, as a newcomer
and as CI run them, and write the numbers the README and docs/testing.md render.

    python tools/dev/fresh_clone.py [--out docs/results/fresh_clone.json]
                                    [--demo-out docs/results/demo.json] [--skip-demo]

Clones HEAD of this checkout (committed files only: what a user's clone has) into a
temporary folder with nothing beside it, then runs there, one after another, each timed:
``bash tools/setup_env.sh --test``, the lint of command 2, the full suite
(``python -m pytest tests``), the fast tier (``python -m pytest -m "not slow" tests``) and
command 1 (``bash tools/setup_env.sh && python tools/run_demo.py``, whose numbers go to
``--demo-out``). Run it on an otherwise idle machine: it measures wall time. setup_env
installs the clone's segplug in editable mode; at the end this checkout's editable install
is restored. The first-ever set-up (an empty wheel cache, mmcv built from source) is not
re-measured here; its earlier measurement is carried over from ``--out`` unchanged.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SUITE = 'python -m pytest tests'
FAST = 'python -m pytest -m "not slow" tests'
LINT = 'python -m ruff check . && python -m ruff format --check .'
SETUP = 'bash tools/setup_env.sh --test'
DEMO = 'bash tools/setup_env.sh && python tools/run_demo.py'
SUMMARY = re.compile(r'=+ (?P<body>[^=]*?) in (?P<seconds>[\d.]+)s')


def pytest_counts(log: str) -> dict:
    """``{'passed': n, 'failed': n, 'skipped': n, ...}`` from pytest's last summary line
    (e.g. ``==== 1513 passed, 27 skipped in 540.12s (0:09:00) ====``); {} without one."""
    found = SUMMARY.findall(log)
    if not found:
        return {}
    body = found[-1][0]
    counts = {}
    for part in body.split(','):
        n, _, word = part.strip().partition(' ')
        if n.isdigit():
            counts[word.rstrip('s') if word.endswith('errors') else word] = int(n)
    return counts


def timed(command: str, cwd: str, log: str) -> tuple[int, float]:
    """Run ``command`` in bash in ``cwd``, output to ``log``; (exit code, wall seconds)."""
    start = time.monotonic()
    with open(log, 'w') as f:
        rc = subprocess.run(['bash', '-c', command], cwd=cwd, stdout=f, stderr=subprocess.STDOUT)
    return rc.returncode, round(time.monotonic() - start, 1)


def run_tests(command: str, clone: str, log: str) -> dict:
    rc, seconds = timed(command, clone, log)
    with open(log) as f:
        counts = pytest_counts(f.read())
    return dict(command=command, returncode=rc, seconds=seconds, counts=counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default=osp.join(REPO, 'docs', 'results', 'fresh_clone.json'))
    parser.add_argument('--demo-out', default=osp.join(REPO, 'docs', 'results', 'demo.json'))
    parser.add_argument('--skip-demo', action='store_true', help='time the tests only')
    parser.add_argument('--keep', action='store_true', help='keep the clone and its logs')
    args = parser.parse_args()
    commit = subprocess.run(
        ['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True
    ).stdout.strip()
    previous = {}
    if osp.isfile(args.out):
        with open(args.out) as f:
            previous = json.load(f)
    work = tempfile.mkdtemp(prefix='segplug_fresh_')
    clone = osp.join(work, 'segplug')
    subprocess.run(['git', 'clone', '-q', REPO, clone], check=True)
    logs = osp.join(work, 'logs')
    os.makedirs(logs)
    result = dict(
        meta=dict(
            command='python tools/dev/fresh_clone.py',
            date=datetime.date.today().isoformat(),
            commit=commit,
            conditions='a fresh clone with nothing beside it, wheel cache present, '
            'otherwise idle machine',
        ),
        first_setup=previous.get('first_setup'),
    )
    try:
        rc, seconds = timed(SETUP, clone, osp.join(logs, 'setup.log'))
        result['setup'] = dict(command=SETUP, returncode=rc, seconds=seconds)
        rc, seconds = timed(LINT, clone, osp.join(logs, 'lint.log'))
        result['lint'] = dict(command=LINT, returncode=rc, seconds=seconds)
        result['suite'] = run_tests(SUITE, clone, osp.join(logs, 'suite.log'))
        result['fast'] = run_tests(FAST, clone, osp.join(logs, 'fast.log'))
        print(json.dumps(result, indent=1))
        if not args.skip_demo:
            demo_json = osp.join(work, 'demo.json')
            rc, seconds = timed(f'{DEMO} --publish {demo_json}', clone, osp.join(logs, 'demo.log'))
            result['demo'] = dict(command=DEMO, returncode=rc, seconds=seconds)
            if rc == 0:
                with open(demo_json) as f:
                    demo = json.load(f)
                demo['meta']['conditions'] = (
                    'a fresh clone, stack installed, otherwise idle machine: the whole '
                    f'command took {seconds / 60:.1f} min'
                )
                with open(args.demo_out, 'w') as f:
                    json.dump(demo, f, indent=1)
                    f.write('\n')
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)
            f.write('\n')
        print(f'wrote {args.out}; render: python tools/dev/render_results.py')
    finally:
        # setup_env installed the clone's segplug in editable mode: point it back here
        subprocess.run(
            [
                sys.executable,
                '-m',
                'pip',
                'install',
                '-q',
                '--no-deps',
                '--no-build-isolation',
                '-e',
                REPO,
            ],
            check=False,
        )
        if args.keep:
            print(f'clone and logs kept in {work}')
        else:
            shutil.rmtree(work, ignore_errors=True)
    failed = [
        k for k in ('setup', 'lint', 'suite', 'fast', 'demo') if result.get(k, {}).get('returncode')
    ]
    if failed:
        print(f'failed: {", ".join(failed)} (logs: rerun with --keep)', file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
