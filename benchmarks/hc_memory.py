"""Peak memory and time of HC's clustering and decoding alone, at a real test size.

    python benchmarks/hc_memory.py [--shape 1024 2048] [--depth 101] [--classes 19]

Builds the inputs HC-ResNet's two clustered stages (conv4_x, conv5_x) see at that input
size, then runs the two SoftClustering modules and the decoding of a stride-32 prediction to
stride 8, in inference (no grad) and in training (forward + backward). Each mode runs in a
fresh process so that its peak RSS increase is the clustering's own. Printed beside it: the
size of the backbone features it reads, and the same decode done by bilinear upsampling.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

WIDTHS = {18: (128, 256, 512), 50: (512, 1024, 2048), 101: (512, 1024, 2048)}


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(mode: str, shape: tuple[int, int], depth: int, classes: int) -> dict:
    """Run one mode in this process; return peak RSS increase and time."""
    from segplug.models.utils import SoftClustering
    from segplug.ops import hierarchical_decode

    h, w = shape
    c8, c16, c32 = WIDTHS[depth]
    s8, s16, s32 = [((h + s - 1) // s, (w + s - 1) // s) for s in (8, 16, 32)]
    train = mode == 'train'
    feats = dict(
        x8=torch.randn(1, c8, *s8),
        x16=torch.randn(1, c16, *s16),
        x32=torch.randn(1, c32, *s32),
        logits=torch.randn(1, classes, *s32),
    )
    for t in feats.values():
        t.requires_grad_(train)
    c4, c5 = SoftClustering(c8, c16), SoftClustering(c16, c32)
    inputs_mib = sum(t.numel() * 4 for t in feats.values()) / 2**20
    torch.set_grad_enabled(train)

    def run() -> torch.Tensor:
        a5 = c5(feats['x16'], feats['x32'])  # conv5_x: stride-16 pixels, stride-32 seeds
        a4 = c4(feats['x8'], feats['x16'])  # conv4_x: stride-8 pixels, stride-16 seeds
        out = hierarchical_decode(feats['logits'], [a5, a4])
        if train:
            out.square().mean().backward()
        return out

    base = rss_mib()
    out = run()  # the first run sets the peak (RSS peaks never go down)
    peak = rss_mib() - base
    t0 = time.perf_counter()
    for _ in range(3):
        run()
    elapsed = (time.perf_counter() - t0) * 1000 / 3
    t0 = time.perf_counter()
    F.interpolate(feats['logits'], size=s8, mode='bilinear', align_corners=False)
    bilinear = (time.perf_counter() - t0) * 1000
    return dict(
        mode=mode,
        peak_rss_increase_mib=peak,
        ms=elapsed,
        inputs_mib=inputs_mib,
        decoded_shape=list(out.shape),
        bilinear_ms=bilinear,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--shape', type=int, nargs=2, default=(1024, 2048))
    parser.add_argument('--depth', type=int, default=101, choices=sorted(WIDTHS))
    parser.add_argument('--classes', type=int, default=19)
    parser.add_argument('--mode', choices=['infer', 'train'], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:  # the child process
        print(json.dumps(measure(args.mode, tuple(args.shape), args.depth, args.classes)))
        return
    print(
        f'HC clustering (conv4_x + conv5_x) and decoding stride 32 -> 8, ResNet-{args.depth} '
        f'widths, input {args.shape[0]}x{args.shape[1]}, {args.classes} classes, CPU '
        f'{torch.get_num_threads()} threads'
    )
    print(
        f'{"mode":<7} {"peak RSS +MiB":>14} {"ms":>9} {"features read MiB":>18} {"bilinear ms":>12}'
    )
    for mode in ('infer', 'train'):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                '--mode',
                mode,
                '--shape',
                *map(str, args.shape),
                '--depth',
                str(args.depth),
                '--classes',
                str(args.classes),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f'{mode:<7} {r["peak_rss_increase_mib"]:>14.0f} {r["ms"]:>9.1f} '
            f'{r["inputs_mib"]:>18.0f} {r["bilinear_ms"]:>12.1f}'
        )


if __name__ == '__main__':
    main()
