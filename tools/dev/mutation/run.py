"""Mutation testing of one segplug package (see docs/testing.md).

    python tools/dev/mutation/run.py segplug/engine [--tests tests/engine] [--sample 150 --seed 0]
        [--out work_dirs/mutation/engine] [--fresh-coverage] [--only-survivors]

Writes ``report.md`` and ``report.json`` under ``--out``. Slow (minutes to an hour): not
part of ``.ci/run``.
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys

# One thread per test process: the machine is shared, and forked children must not inherit
# a started OpenMP pool.
os.environ.setdefault('OMP_NUM_THREADS', '1')
HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(osp.dirname(HERE)))
sys.path.insert(0, REPO)  # the checkout's segplug, not an installed one

from runner import run_package, summarize  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('package', help='package folder, e.g. segplug/engine')
    parser.add_argument('--tests', nargs='+', help='test paths (default: tests/<last part>)')
    parser.add_argument('--sample', type=int, help='run a fixed-seed sample of this size')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='report folder (default: work_dirs/mutation/<name>)')
    parser.add_argument('--equivalents', default=osp.join(HERE, 'equivalents.txt'))
    parser.add_argument(
        '--fresh-coverage',
        action='store_true',
        help='rebuild the coverage map even if --out has one',
    )
    parser.add_argument(
        '--only-survivors',
        action='store_true',
        help="rerun only the previous report's survivors, uncovered and timed "
        'out mutants (a timeout on a busy machine proves little)',
    )
    parser.add_argument(
        '--min-timeout',
        type=float,
        default=60.0,
        help='seconds a mutant may take at least (3x its tests + 15 s else)',
    )
    args = parser.parse_args()
    package = args.package.rstrip('/')
    name = osp.basename(package)
    tests = args.tests or [f'tests/{name}']
    out = args.out or osp.join(REPO, 'work_dirs', 'mutation', name)
    only = None
    if args.only_survivors:
        with open(osp.join(out, 'report.json')) as f:
            only = [
                r['key']
                for r in json.load(f)['results']
                if r['status'] in ('survived', 'no_tests', 'timeout')
            ]
    command = 'python tools/dev/mutation/run.py ' + ' '.join(sys.argv[1:])
    results = run_package(
        package,
        tests,
        REPO,
        out,
        args.equivalents,
        args.sample,
        args.seed,
        reuse_coverage=not args.fresh_coverage,
        command=command,
        only=only,
        min_timeout=args.min_timeout,
    )
    print(json.dumps(summarize(results)), f'report: {osp.join(out, "report.md")}')


if __name__ == '__main__':
    main()
