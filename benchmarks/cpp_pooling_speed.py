"""CPP pooling against the naive one-hot + average pooling: time and peak memory, one run.

    python benchmarks/cpp_pooling_speed.py [--batch 8] [--size 1024 2048] [--classes 19]
        [--scale 8] [--repeat 3] [--threads 1] [--device cpu|cuda]

Each method runs in its own subprocess so that its peak memory is its own: on CPU the peak
resident set size (``ru_maxrss``) above the RSS measured just before the call (labels
already allocated), on CUDA ``torch.cuda.max_memory_allocated`` above the allocation before
the call. Time is the median of ``--repeat`` calls after one warm-up. Both methods get the
same labels (fixed seed; 5% of pixels ignore = 255) and are checked to agree.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import torch
import torch.nn.functional as F


def naive(labels: torch.Tensor, c: int, s: int, ignore: int = 255) -> torch.Tensor:
    """What one writes first: ignore -> extra class, float one-hot, average pooling."""
    lab = labels.masked_fill(labels == ignore, c)
    onehot = F.one_hot(lab.long(), c + 1).permute(0, 3, 1, 2).float()
    pooled = F.avg_pool2d(onehot, s, ceil_mode=True)
    # renormalise over labelled pixels, as cpp_pool(normalize='valid') does
    return pooled[:, :c] / (1 - pooled[:, c:]).clamp(min=1 / s**2)


def rss_bytes() -> int:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def make_labels(args: argparse.Namespace) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(
        0, args.classes, (args.batch, *args.size), generator=g, dtype=torch.uint8
    )
    labels[torch.rand(labels.shape, generator=g) < 0.05] = 255
    return labels.to(args.device)


def worker(args: argparse.Namespace) -> None:
    # imported before the baseline below, so the package's own memory is not counted
    from segplug.ops.cpp_pooling import cpp_pool

    torch.set_num_threads(args.threads)
    labels = make_labels(args)
    cuda = args.device == 'cuda'
    fn = (
        (lambda: cpp_pool(labels, args.classes, args.scale).probs)
        if args.method == 'cpp'
        else (lambda: naive(labels, args.classes, args.scale))
    )
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        base = rss_bytes()
    out = fn()
    if cuda:
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() - base
    else:  # ru_maxrss is in KiB on Linux
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    checksum = float(out.double().sum())
    del out
    times = []
    for _ in range(args.repeat):
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps(dict(ms=1000 * times[len(times) // 2], peak=peak, checksum=checksum)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--size', type=int, nargs=2, default=[1024, 2048])
    p.add_argument('--classes', type=int, default=19)
    p.add_argument('--scale', type=int, default=8)
    p.add_argument('--repeat', type=int, default=3)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    p.add_argument('--method', choices=['cpp', 'naive'], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.method:
        return worker(args)
    res = {}
    for method in ('naive', 'cpp'):
        cmd = [
            sys.executable,
            __file__,
            '--method',
            method,
            '--batch',
            str(args.batch),
            '--size',
            *map(str, args.size),
            '--classes',
            str(args.classes),
            '--scale',
            str(args.scale),
            '--repeat',
            str(args.repeat),
            '--threads',
            str(args.threads),
            '--device',
            args.device,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        res[method] = json.loads(out.stdout.strip().splitlines()[-1])
    n, c = res['naive'], res['cpp']
    same = abs(n['checksum'] - c['checksum']) <= 1e-4 * abs(n['checksum'])
    print(
        f'CPP pooling, labels {args.batch}x{args.size[0]}x{args.size[1]}, {args.classes} '
        f'classes, s={args.scale}, {args.device}, {args.threads} thread(s), median of '
        f'{args.repeat}; outputs agree: {same}'
    )
    print('| method | ms | peak MiB |')
    print('|---|---|---|')
    for name, r in (('one-hot + avg_pool2d (naive)', n), ('cpp_pool (bincount)', c)):
        print(f'| {name} | {r["ms"]:.0f} | {r["peak"] / 2**20:.0f} |')
    print(
        f'| ratio naive / cpp | {n["ms"] / c["ms"]:.1f}x | {n["peak"] / max(c["peak"], 1):.1f}x |'
    )


if __name__ == '__main__':
    main()
