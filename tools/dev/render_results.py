"""Rewrite the results blocks of the repository's Markdown files from docs/results/*.json.

    python tools/dev/render_results.py [--check]

``--check`` changes nothing and exits 1 when a block differs from its result file (what
tests/utils/test_results_tables.py asserts).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from segplug.utils.results_tables import markdown_files, render_blocks

REPO = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true', help='report stale blocks only')
    args = parser.parse_args()
    stale = []
    for path in markdown_files(REPO):
        text = path.read_text()
        new = render_blocks(text, REPO / 'docs' / 'results')
        if new != text:
            stale.append(path.relative_to(REPO))
            if not args.check:
                path.write_text(new)
    verb = 'stale' if args.check else 'rewritten'
    for p in stale:
        print(f'{verb}: {p}')
    return 1 if args.check and stale else 0


if __name__ == '__main__':
    sys.exit(main())
