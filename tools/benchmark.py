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
import sys
from typing import Any, Callable

import torch

from segplug.apis import load_model
from segplug.engine import CfgOptionsAction, load_cfg
from segplug.utils.benchmark import (
    DEMO_FRAME,
    check_device,
    dataloader_benchmark,
    device_name,
    fixed_frame_benchmark,
    fixed_frame_step,
    time_step,
)

DEFAULT_IMAGE = DEMO_FRAME
__all__ = ['parse_args', 'build_step', 'run', 'time_step', 'device_name']


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark inference speed (segplug)')
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='optional checkpoint to load')
    parser.add_argument('--mode', choices=('frame', 'dataloader'), default='frame')
    parser.add_argument('--shape', type=int, nargs='+', default=None,
                        help='frame mode: input H [W]; default: the config\'s crop size, '
                             'else 512 512')
    parser.add_argument('--batch-size', type=int, default=1, help='frame mode')
    parser.add_argument('--warmup', type=int, default=None,
                        help='untimed iterations first (frame: 3, dataloader: 5 images)')
    parser.add_argument('--iters', type=int, default=None,
                        help='timed iterations per repeat (frame: 10, dataloader: 200)')
    parser.add_argument('--repeat', type=int, default=None,
                        help='repeats (frame: 3, each re-warmed; dataloader: 1)')
    parser.add_argument('--log-interval', type=int, default=50, help='dataloader mode')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument('--image', default=DEFAULT_IMAGE, help='frame mode: the real image')
    parser.add_argument('--json', help='also write the results to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    args = parser.parse_args(argv)
    frame = args.mode == 'frame'
    for name, frame_default, loader_default in (('warmup', 3, 5), ('iters', 10, 200),
                                                ('repeat', 3, 1)):
        if getattr(args, name) is None:
            setattr(args, name, frame_default if frame else loader_default)
    return args


def _shape(model: torch.nn.Module, shape: list[int] | None) -> tuple[int, int]:
    if shape:
        if len(shape) > 2:
            raise ValueError(f'--shape takes H [W], got {shape}')
        return (shape[0], shape[-1])
    size = getattr(model.data_preprocessor, 'size', None)
    return tuple(size) if size else (512, 512)


def _model(args: argparse.Namespace) -> torch.nn.Module:
    check_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    return load_model(args.config, args.checkpoint, cfg_options=args.cfg_options,
                      init_weights=False, strict=True, device=args.device)


def build_step(args: argparse.Namespace) -> tuple[Callable[[], None], tuple[int, int]]:
    """Frame mode's closure running one ``test_step`` on ``args.batch_size`` copies of
    ``args.image``, and its (H, W)."""
    model = _model(args)
    shape = _shape(model, args.shape)
    return fixed_frame_step(model, args.image, shape, args.batch_size), shape


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Benchmark and return the results (also printed)."""
    model = _model(args)
    if args.mode == 'frame':
        result = fixed_frame_benchmark(model, args.image, _shape(model, args.shape),
                                       args.warmup, args.iters, args.repeat, args.batch_size)
    else:
        cfg = load_cfg(args.config, args.cfg_options)
        result = dataloader_benchmark(model, cfg, args.warmup, args.iters, args.repeat,
                                      args.log_interval)
    result = dict(config=args.config, checkpoint=args.checkpoint,
                  device=device_name(args.device), torch=torch.__version__, **result)
    print_result(result)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return result


def print_result(r: dict[str, Any]) -> None:
    print(f'config      {r["config"]}' + (f'  ({r["checkpoint"]})' if r['checkpoint'] else ''))
    print(f'device      {r["device"]}, torch {r["torch"]}')
    if r['mode'] == 'dataloader':
        h, w = r['mean_input_hw']
        print(f'input       test dataloader, mean {h:.0f}x{w:.0f}  ({r["warmup"]} warm-up + '
              f'{r["iters"]} timed images) x {r["repeat"]} runs')
        print(f'fps/run     {", ".join(f"{f:.2f}" for f in r["fps_per_run"])}  '
              f'(variance {r["fps_variance"]:.4f})')
        print(f'fps         {r["fps"]:.2f}')
    else:
        spread = f'{min(r["repeat_medians_ms"]):.1f}-{max(r["repeat_medians_ms"]):.1f}'
        print(f'input       {"x".join(map(str, r["input"]))}  '
              f'({r["warmup"]} warm-up + {r["iters"]} timed iterations) x {r["repeat"]} repeats')
        print(f'ms/image    median {r["ms_per_image_median"]:.1f}  p10 '
              f'{r["ms_per_image_p10"]:.1f}  p90 {r["ms_per_image_p90"]:.1f}  '
              f'repeat medians {spread}')
        print(f'fps         {r["fps"]:.2f}')
    print(f'peak memory {r["peak_memory_mb"]:.0f} MiB ({r["peak_memory_kind"]})')


if __name__ == '__main__':
    run(parse_args(sys.argv[1:]))
