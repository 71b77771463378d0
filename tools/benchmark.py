"""Inference speed of a segmentor: a fixed real frame (default) or MMSegmentation's way.

    python tools/benchmark.py CONFIG [CHECKPOINT] [--shape H W] [--iters 10] [--repeat 3]
                              [--device cpu|cuda] [--json out.json]
    python tools/benchmark.py CONFIG [CHECKPOINT] --mode dataloader [--warmup 5]
                              [--iters 200] [--repeat 1]

``--mode frame`` times ``model.test_step`` (data preprocessing, forward, and resizing the
logits back to the input) on a real image resized to ``--shape``; prints the median and
spread of ms/image, fps, peak memory, the input size and the device.

``--mode dataloader`` is MMSegmentation's ``tools/analysis_tools/benchmark.py``: fps of the
forward (``mode='predict'``) over the config's test dataloader, real images at the test
pipeline's size, after ``--warmup`` images (default 5), averaged over ``--iters`` images
(default 200) and ``--repeat`` runs: numbers that compare with MMSegmentation's.
Library: ``segplug/utils/benchmark.py``.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
from typing import Any

import torch

from segplug.engine import CfgOptionsAction
from segplug.utils.benchmark import DEMO_FRAME, benchmark_config, format_result

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark inference speed (segplug)')
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='optional checkpoint to load')
    parser.add_argument('--mode', choices=('frame', 'dataloader'), default='frame')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=None,
        help="frame mode: input H [W]; default: the config's crop size, else 512 512",
    )
    parser.add_argument('--batch-size', type=int, default=1, help='frame mode')
    parser.add_argument(
        '--warmup',
        type=int,
        default=None,
        help='untimed iterations first (frame: 3, dataloader: 5 images)',
    )
    parser.add_argument(
        '--iters',
        type=int,
        default=None,
        help='timed iterations per repeat (frame: 10, dataloader: 200)',
    )
    parser.add_argument(
        '--repeat', type=int, default=None, help='repeats (frame: 3, each re-warmed; dataloader: 1)'
    )
    parser.add_argument('--log-interval', type=int, default=50, help='dataloader mode')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument(
        '--image', default=osp.join(REPO, DEMO_FRAME), help='frame mode: the real image'
    )
    parser.add_argument('--json', help='also write the results to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    args = parser.parse_args(argv)
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    result = benchmark_config(
        args.config,
        args.checkpoint,
        mode=args.mode,
        shape=args.shape,
        batch_size=args.batch_size,
        warmup=args.warmup,
        iters=args.iters,
        repeat=args.repeat,
        log_interval=args.log_interval,
        device=args.device,
        threads=args.threads,
        image=args.image,
        cfg_options=args.cfg_options,
    )
    print(format_result(result))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main(sys.argv[1:])
