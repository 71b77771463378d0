"""Cost of the SSS metric loss (Eq. 1) against the hypercolumn feature head, 512x512, CPU.

    python benchmarks/semantic_feature_loss_speed.py [--size 512] [--repeat 5] [--json FILE]

The issue asks the loss at the paper's sampling (P_inst = 3, P_pix = 1000, R = 10) to cost
less than the feature head's forward pass. Timed side by side in one run (median of
``--repeat`` after one warm-up, interleaved so that load from other processes hits every
row alike), one image:

- the hypercolumn head's forward (paper widths 4/124/128/256/512, 1x1 convs to 512 and
  d = 128) on ResNetV1c-18 features, in the fused order used by default and in the
  paper's upsample-then-concatenate order;
- the loss forward + backward on (128, H, W) features: segplug's op (hand-written backward,
  no (N, N) tensor kept) and plain autograd through the same matrix-form formula;
- the backbone's forward, for scale.

Each loss variant's peak extra memory is measured in a fresh child process (peak RSS after
the call minus RSS before it).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import statistics
import time

import torch

from segplug.ops.metric_learning import (
    pair_terms,
    pairwise_distances,
    sample_instance_pixels,
    sampled_metric_loss,
)

P_INST, P_PIX, R = 3, 1000, 10


def labels_map(size: int) -> torch.Tensor:
    """Five regions of three classes: enough instances for P_inst = 3."""
    lab = torch.zeros(size, size, dtype=torch.long)
    lab[: size // 3] = 1
    lab[size // 3 : size // 2, : size // 2] = 2
    lab[-size // 4 :, -size // 4 :] = 2
    lab[:8] = 255
    return lab


def autograd_loss(feats: torch.Tensor, labels: torch.Tensor, seed: int) -> torch.Tensor:
    """The same loss through plain autograd (every (N, N) intermediate kept for backward)."""
    from segplug.ops.metric_learning import connected_instances

    inst = torch.from_numpy(connected_instances(labels)).reshape(-1)
    g = torch.Generator().manual_seed(seed)
    flat, flat_lab = feats.reshape(feats.shape[0], -1), labels.reshape(-1)
    total = feats.new_zeros(())
    for _ in range(R):
        idx = sample_instance_pixels(inst, P_INST, P_PIX, g)
        f, lab = flat[:, idx].t(), flat_lab[idx]
        terms = pair_terms(pairwise_distances(f) / f.shape[1], lab[:, None] == lab[None, :])
        total = total + (terms.sum() - terms.diagonal().sum()) / len(idx)
    return total / R


def loss_step(kind: str, feats: torch.Tensor, labels: torch.Tensor) -> None:
    feats.grad = None
    if kind == 'segplug':
        loss = sampled_metric_loss(
            feats, labels, None, P_INST, P_PIX, R, generator=torch.Generator().manual_seed(0)
        )
    else:
        loss = autograd_loss(feats, labels, 0)
    loss.backward()


def _peak_child(kind: str, size: int, queue) -> None:
    torch.manual_seed(0)
    feats = torch.randn(128, size, size, requires_grad=True)
    labels = labels_map(size)
    # a spawned child inherits its parent's RSS high-water mark: reset it (Linux >= 4.0)
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
    before = _status_mib('VmRSS')
    loss_step(kind, feats, labels)
    queue.put(_status_mib('VmHWM') - before)


def _status_mib(key: str) -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f'{key} not in /proc/self/status')


def peak_memory(kind: str, size: int) -> float:
    """Peak RSS (MiB) of one loss step in a fresh process, over its RSS just before it."""
    ctx = mp.get_context('spawn')
    q = ctx.Queue()
    p = ctx.Process(target=_peak_child, args=(kind, size, q))
    p.start()
    p.join()
    return q.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--json')
    args = parser.parse_args()
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules

    import segplug  # noqa: F401

    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    backbone = MODELS.build(dict(type='ResNetV1c', depth=18, norm_cfg=dict(type='BN')))
    backbone.eval()  # (mmseg's ResNet.train returns None: no chaining)
    head = MODELS.build(
        dict(
            type='HypercolumnHead',
            in_channels=(3, 64, 128, 256, 512),
            widths=(4, 124, 128, 256, 512),
            channels=512,
            feat_dim=128,
            in_index=(0, 1, 3, 4, 5),
        )
    ).eval()
    taps = {}
    backbone.maxpool.register_forward_hook(lambda m, a, o: taps.__setitem__('pool1', o))
    image = torch.randn(1, 3, args.size, args.size)
    with torch.no_grad():
        outs = backbone(image)
    hc_inputs = [image, taps['pool1'], *outs]
    feats = torch.randn(128, args.size, args.size, requires_grad=True)
    labels = labels_map(args.size)

    def head_fwd(fused: bool):
        def run():
            head.fuse_upsample = fused
            with torch.no_grad():
                head(hc_inputs)

        return run

    def backbone_fwd():
        with torch.no_grad():
            backbone(image)

    rows = {
        'feature head forward (fused, default)': head_fwd(True),
        'feature head forward (paper order)': head_fwd(False),
        f'loss fwd+bwd, segplug op (3x1000 px, R={R})': lambda: loss_step('segplug', feats, labels),
        f'loss fwd+bwd, plain autograd (3x1000 px, R={R})': lambda: loss_step(
            'autograd', feats, labels
        ),
        'ResNetV1c-18 forward (for scale)': backbone_fwd,
    }
    times = {k: [] for k in rows}
    for fn in rows.values():
        fn()  # warm-up
    for _ in range(args.repeat):
        for name, fn in rows.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
    med = {k: statistics.median(v) for k, v in times.items()}
    ref = med['feature head forward (fused, default)']
    mem = {
        k: peak_memory(kind, args.size)
        for k, kind in (
            (f'loss fwd+bwd, segplug op (3x1000 px, R={R})', 'segplug'),
            (f'loss fwd+bwd, plain autograd (3x1000 px, R={R})', 'autograd'),
        )
    }
    print(
        f'{platform.machine()} CPU, {torch.get_num_threads()} threads, torch '
        f'{torch.__version__}, input 1x3x{args.size}x{args.size}, median of '
        f'{args.repeat} (interleaved, after a warm-up)'
    )
    print('| what | ms (median) | min-max | / head forward (fused) | peak extra MiB |')
    print('|---|---|---|---|---|')
    for k, v in times.items():
        m = f'{mem[k]:.0f}' if k in mem else ''
        print(f'| {k} | {med[k]:.0f} | {min(v):.0f}-{max(v):.0f} | {med[k] / ref:.2f} | {m} |')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(
                dict(
                    median_ms=med,
                    all_ms=times,
                    peak_extra_mib=mem,
                    threads=torch.get_num_threads(),
                    size=args.size,
                ),
                f,
                indent=1,
            )


if __name__ == '__main__':
    main()
