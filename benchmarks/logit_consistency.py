"""Time and peak memory of logit consistency (Eq. 13-14), forward + backward, beside
``F.cross_entropy`` on the same logits and the paper's ``torch.sparse`` product.

    python benchmarks/logit_consistency.py [--batch 8] [--classes 150] [--size 512]
        [--cell 16] [--reps 3] [--device cpu]

Superpixels: a grid of cells of ``--cell`` pixels (512 / 16 = 32 x 32 = 1,024 superpixels),
with 5 % of the pixels marked ignore (they are left out of the means, the training path).
Each method runs in a fresh process: its peak extra memory is the peak RSS (CPU) or peak
allocated memory (CUDA) above what the inputs (logits and an upstream gradient) already
hold. The dense formula's memory (an N_l x N_s x N_p float32 tensor per image) is computed,
not run: it would not fit.
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


def current_rss_mib() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(method: str, args: argparse.Namespace) -> dict:
    from segplug.ops.logit_consistency import logit_consistency, logit_consistency_sparse

    dev = torch.device(args.device)
    b, c, s = args.batch, args.classes, args.size
    torch.manual_seed(0)
    logits = torch.randn(b, c, s, s, device=dev, requires_grad=True)
    grad_out = torch.randn(b, c, s, s, device=dev)
    ys = torch.arange(s, device=dev) // args.cell
    grid = (s + args.cell - 1) // args.cell
    sp = (ys.view(-1, 1) * grid + ys.view(1, -1)).expand(b, s, s).contiguous()
    valid = torch.rand(b, s, s, device=dev) > 0.05
    target = torch.randint(0, c, (b, s, s), device=dev).masked_fill(~valid, 255)
    n_sp = grid * grid

    def step() -> None:
        logits.grad = None
        if method == 'cross_entropy':
            F.cross_entropy(logits, target, ignore_index=255).backward()
        elif method == 'logit_consistency':
            logit_consistency(logits, sp, valid, n_sp).backward(grad_out)
        else:
            logit_consistency_sparse(logits, sp, n_sp).backward(grad_out)

    if dev.type == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated() / 2**20
    else:
        base = current_rss_mib()
    times = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        step()
        if dev.type == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    peak = torch.cuda.max_memory_allocated() / 2**20 if dev.type == 'cuda' else peak_rss_mib()
    return dict(
        time=sorted(times)[len(times) // 2],
        extra=peak - base,
        logits=logits.numel() * 4 / 2**20,
        n_sp=n_sp,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--classes', type=int, default=150)
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--cell', type=int, default=16)
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--method', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.method:
        print(json.dumps(measure(args.method, args)))
        return
    rows = {}
    for method in ('cross_entropy', 'logit_consistency', 'sparse'):
        cmd = [sys.executable, __file__, '--method', method] + [
            f'--{k}={v}' for k, v in vars(args).items() if k != 'method' and v is not None
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            rows[method] = None
            print(f'{method} failed: {proc.stderr[-800:]}', file=sys.stderr)
            continue
        rows[method] = json.loads(proc.stdout.strip().splitlines()[-1])
    ref = rows['cross_entropy']
    logits_mib = ref['logits']
    n_p = args.size * args.size
    dense_mib = args.batch * args.classes * ref['n_sp'] * n_p * 4 / 2**20
    print(
        f'{args.batch} x {args.classes} classes x {args.size}x{args.size}, '
        f'{ref["n_sp"]} superpixels, {args.device}; logits {logits_mib:.0f} MiB; '
        f'forward + backward, median of {args.reps}'
    )
    print('| method | time s | time / cross-entropy | peak extra MiB | extra / logits |')
    print('|---|---|---|---|---|')
    for name, label in [
        ('cross_entropy', 'F.cross_entropy'),
        ('logit_consistency', 'logit_consistency (scatter/gather)'),
        ('sparse', 'torch.sparse product (paper, Eq. 14)'),
    ]:
        r = rows[name]
        if r is None:
            print(f'| {label} | failed | | | |')
            continue
        print(
            f'| {label} | {r["time"]:.3f} | {r["time"] / ref["time"]:.2f}x | '
            f'{r["extra"]:.0f} | {r["extra"] / logits_mib:.2f}x |'
        )
    print(
        f'| dense N_l x N_s x N_p (formula, not run) | | | {dense_mib:.3g} | '
        f'{dense_mib / logits_mib:.0f}x |'
    )


if __name__ == '__main__':
    main()
