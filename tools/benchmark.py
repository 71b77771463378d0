"""Inference speed of a segmentor: warm-up, then N timed iterations, repeated.

    python tools/benchmark.py CONFIG [CHECKPOINT] [--shape H W] [--iters 20] [--repeat 3]
                              [--device cpu|cuda] [--json out.json]

Times ``model.test_step`` (data preprocessing, forward, and resizing the logits back to
the input) on a real image resized to ``--shape``. Prints the median and spread of
ms/image, fps, peak memory, the input size and the device.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import platform
import resource
import statistics
import sys
import time
from typing import Any, Callable

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import load_checkpoint
from mmseg.registry import MODELS, TRANSFORMS
from mmseg.utils import register_all_modules

import segplug  # noqa: F401  (registers segplug's modules)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_IMAGE = osp.join(REPO, 'data', 'camvid_demo', 'images', 'val', '0016E5_07959.jpg')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark inference speed (segplug)')
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='optional checkpoint to load')
    parser.add_argument('--shape', type=int, nargs='+', default=None,
                        help='input H [W]; default: the config\'s crop size, else 512 512')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--warmup', type=int, default=3, help='untimed iterations first')
    parser.add_argument('--iters', type=int, default=10, help='timed iterations per repeat')
    parser.add_argument('--repeat', type=int, default=3, help='repeats (each re-warmed)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument('--image', default=DEFAULT_IMAGE, help='real image used as input')
    parser.add_argument('--json', help='also write the results to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def _shape(cfg: Config, shape: list[int] | None) -> tuple[int, int]:
    if shape:
        if len(shape) > 2:
            raise ValueError(f'--shape takes H [W], got {shape}')
        return (shape[0], shape[-1])
    size = cfg.model.get('data_preprocessor', {}).get('size')
    return tuple(size) if size else (512, 512)


def build_batch(image: str, shape: tuple[int, int], batch_size: int) -> dict:
    """Pack ``batch_size`` copies of a real image, resized to ``shape``, as a test batch."""
    img = cv2.imread(image)
    if img is None:
        raise FileNotFoundError(f'--image: cannot read {image}')
    img = cv2.resize(img, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    pack = TRANSFORMS.build(dict(type='PackSegInputs'))
    items = [pack(dict(img=img.copy(), img_path=image, ori_shape=shape, img_shape=shape,
                       pad_shape=shape, scale_factor=(1.0, 1.0), flip=False,
                       flip_direction=None, reduce_zero_label=False))
             for _ in range(batch_size)]
    return dict(inputs=[i['inputs'] for i in items],
                data_samples=[i['data_samples'] for i in items])


def device_name(device: str) -> str:
    if device.startswith('cuda'):
        return torch.cuda.get_device_name(torch.device(device))
    return f'{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads'


def build_step(args: argparse.Namespace) -> tuple[Callable[[], None], tuple[int, int]]:
    """Build the model of ``args.config`` and return a closure running one ``test_step``.

    Returns ``(step, (H, W))``; ``step()`` runs preprocessing, forward and the resize of the
    logits on ``args.batch_size`` copies of ``args.image``, synchronising CUDA if needed.
    """
    register_all_modules(init_default_scope=True)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise ValueError('--device cuda: no GPU is visible here')
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    shape = _shape(cfg, args.shape)
    cfg.model.pop('pretrained', None)
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu')
    model = model.to(args.device).eval()
    data = build_batch(args.image, shape, args.batch_size)
    cuda = args.device.startswith('cuda')

    def step() -> None:
        with torch.no_grad():
            model.test_step(data)
        if cuda:
            torch.cuda.synchronize()

    return step, shape


def time_step(step: Callable[[], None], warmup: int, iters: int,
              batch_size: int = 1) -> list[float]:
    """``warmup`` untimed calls of ``step``, then ``iters`` timed ones: ms per image each."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000 / batch_size)
    return times


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Benchmark and return the results (also printed)."""
    step, shape = build_step(args)
    cuda = args.device.startswith('cuda')
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    repeats = [time_step(step, args.warmup, args.iters, args.batch_size)
               for _ in range(args.repeat)]
    all_ms = [t for r in repeats for t in r]
    medians = [statistics.median(r) for r in repeats]
    med = statistics.median(all_ms)
    result = dict(
        config=args.config, checkpoint=args.checkpoint, device=device_name(args.device),
        input=[args.batch_size, 3, *shape], torch=torch.__version__,
        ms_per_image_median=med,
        ms_per_image_p10=float(np.percentile(all_ms, 10)),
        ms_per_image_p90=float(np.percentile(all_ms, 90)),
        repeat_medians_ms=medians, fps=1000.0 / med,
        peak_memory_mb=(torch.cuda.max_memory_allocated() / 2**20 if cuda else
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        peak_memory_kind='CUDA max_memory_allocated' if cuda else 'process peak RSS',
        peak_rss_increase_mb=(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024,
        warmup=args.warmup, iters=args.iters, repeat=args.repeat)
    print_result(result)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return result


def print_result(r: dict[str, Any]) -> None:
    spread = f'{min(r["repeat_medians_ms"]):.1f}-{max(r["repeat_medians_ms"]):.1f}'
    print(f'config      {r["config"]}' + (f'  ({r["checkpoint"]})' if r['checkpoint'] else ''))
    print(f'device      {r["device"]}, torch {r["torch"]}')
    print(f'input       {"x".join(map(str, r["input"]))}  '
          f'({r["warmup"]} warm-up + {r["iters"]} timed iterations) x {r["repeat"]} repeats')
    print(f'ms/image    median {r["ms_per_image_median"]:.1f}  p10 {r["ms_per_image_p10"]:.1f}'
          f'  p90 {r["ms_per_image_p90"]:.1f}  repeat medians {spread}')
    print(f'fps         {r["fps"]:.2f}')
    print(f'peak memory {r["peak_memory_mb"]:.0f} MiB ({r["peak_memory_kind"]})')


if __name__ == '__main__':
    run(parse_args(sys.argv[1:]))
