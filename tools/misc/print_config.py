"""Print a config as the runner sees it: ``_base_`` files (``mmseg::`` ones included) and
``--cfg-options`` merged, ``custom_imports`` (segplug) imported.

    python tools/misc/print_config.py CONFIG [--cfg-options KEY=VALUE ...] [--dump OUT.py]

The printed text is itself a config file (``--dump`` writes it), loadable without the bases.
"""

from __future__ import annotations

import argparse
import sys

from segplug.engine import CfgOptionsAction, load_cfg


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='KEY=VALUE pairs merged into the config',
    )
    parser.add_argument('--dump', help='also write the resolved config to this file')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> str:
    args = parse_args(argv)
    cfg = load_cfg(args.config, args.cfg_options)
    cfg.pop('launcher', None)  # load_cfg's bookkeeping, not the config's
    text = cfg.pretty_text
    print(text)
    if args.dump:
        cfg.dump(args.dump)
    return text


if __name__ == '__main__':
    main(sys.argv[1:])
