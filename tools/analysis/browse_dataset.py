"""Pictures of what the training pipeline yields, labels coloured (MMSegmentation's tool).

python tools/analysis/browse_dataset.py CONFIG --output-dir DIR [--not-show] [--max N]
                                        [--no-labels] [--cfg-options KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import sys

from segplug.engine import CfgOptionsAction, load_cfg
from segplug.visualization import browse_dataset


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Browse a dataset through its pipeline')
    parser.add_argument('config')
    parser.add_argument('--output-dir', help='write the pictures here')
    parser.add_argument('--not-show', action='store_true', help='no window (headless)')
    parser.add_argument('--show-interval', type=float, default=2, help='seconds per window')
    parser.add_argument('--max', type=int, default=None, help='at most N pictures')
    parser.add_argument('--no-labels', action='store_true', help='no class names drawn')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[str]:
    args = parse_args(argv)
    cfg = load_cfg(args.config, args.cfg_options)
    written = browse_dataset(
        cfg,
        args.output_dir,
        show=not args.not_show,
        max_items=args.max,
        show_interval=args.show_interval,
        with_labels=not args.no_labels,
    )
    if written:
        print(f'{len(written)} pictures in {args.output_dir}')
    return written


if __name__ == '__main__':
    main(sys.argv[1:])
