"""HC models against their baselines: ms/image and FLOPs of each pair, measured in one run.

    python benchmarks/hc_speed.py [--depth 101] [--shape 512 1024] [--rounds 5] [--iters 2]
                                  [--device cpu] [--dtypes float32 float16] [--no-flops]
    python benchmarks/hc_speed.py --flops-only [--depth 101] [--shape 512 1024]

For each pair (same backbone depth, same input, same head) it times ``model.test_step`` with
``tools/benchmark.py``'s step and counts the FLOPs of inference with
``segplug.utils.flops`` (MMEngine's ``FlopAnalyzer``, DCNv2, clustering and cluster
decoding counted), then prints ms/image, the measured time ratio and the FLOP ratio side by
side. The paper's Table 3
(ResNet-101, 1024x2048, RTX 8000) is printed beside them for reference.

All models are built first and then timed in interleaved rounds (every model ``--iters``
times per round, the order reversed every other round), so a load that comes and goes on a
shared machine falls on baseline and HC model alike; the ratio of the medians over all rounds
is reported with the spread of the per-round ratios. With several ``--dtypes`` (CUDA: float16 /
bfloat16 inference under ``torch.autocast``) every model is timed in every dtype in the same
rounds, and one table is printed per dtype.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import statistics

import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from segplug.utils.benchmark import (
    DEMO_FRAME,
    check_device,
    device_name,
    fixed_frame_step,
    time_step,
)
from segplug.utils.flops import segmentor_complexity

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
FRAME = osp.join(REPO, DEMO_FRAME)

MODELS_DIR = osp.join(REPO, 'configs', '_base_', 'models')
# (baseline, HC model, paper's ms/image for each, Table 3)
PAIRS = [
    ('fcn32_r18-v1c.py', 'hcfcn32_r18-v1c.py', 71.7, 85.9),
    ('atrousfcn_r18-v1c-d8.py', 'hcfcn32_r18-v1c.py', 296.7, 85.9),
    ('pspnet_r18-v1c-d8.py', 'hcpspnet_r18-v1c.py', 298.7, 87.0),
    ('deeplabv3_r18-v1c-d8.py', 'hcdeeplabv3_r18-v1c.py', 380.8, 93.2),
    ('fpn_r18-v1c.py', 'hcfpn_r18-v1c.py', 82.0, 92.9),
]
# the ceiling of what HC can save: the dilated model over the same head on a plain stride-32
# ResNet (no clustering), measured in the same run
CEILINGS = [
    ('atrousfcn_r18-v1c-d8.py', 'fcn32_r18-v1c.py'),
    ('pspnet_r18-v1c-d8.py', 'pspnet32_r18-v1c.py'),
    ('deeplabv3_r18-v1c-d8.py', 'deeplabv3-32_r18-v1c.py'),
]
WIDTHS = {18: (512, 256), 50: (2048, 1024), 101: (2048, 1024)}


def model_cfg(name: str, depth: int, num_classes: int) -> Config:
    """A model base config at the requested ResNet depth, with MMSegmentation's widths."""
    cfg = Config.fromfile(osp.join(MODELS_DIR, name))
    last, third = WIDTHS[depth]
    cfg.model.backbone.depth = depth
    cfg.model.decode_head.num_classes = num_classes
    if 'neck' in cfg.model:  # FPN: the neck takes the four stages
        cfg.model.neck.in_channels = [last // 8, last // 4, last // 2, last]
        if depth > 18:
            cfg.model.neck.out_channels = 256
            cfg.model.decode_head.in_channels = [256] * 4
            cfg.model.decode_head.channels = 128
        return cfg
    cfg.model.decode_head.in_channels = last
    cfg.model.auxiliary_head.in_channels = third
    cfg.model.auxiliary_head.num_classes = num_classes
    if depth > 18:
        cfg.model.decode_head.channels = 512
        cfg.model.auxiliary_head.channels = 256
    return cfg


def flops(cfg: Config, shape: tuple[int, int]) -> float:
    """FLOPs of inference (``encode_decode``: HC's clustering and decoding included, with
    DCNv2 counted; see segplug/utils/flops.py)."""
    return segmentor_complexity(MODELS.build(cfg.model), shape).flops


def flop_table(gflops: dict[str, float], pairs: list, ceilings: list) -> None:
    print(f'{"baseline":<14} {"HC model":<12} {"GFLOPs":>15} {"FLOP x":>7}')
    for base, hc, *_ in pairs:
        print(
            f'{base.split("_r18")[0]:<14} {hc.split("_r18")[0]:<12} '
            f'{gflops[base]:>7.1f}/{gflops[hc]:<7.1f} {gflops[base] / gflops[hc]:>7.2f}'
        )
    for dilated, plain in ceilings:
        print(
            f'ceiling {dilated.split("_r18")[0]} / {plain.split("_r18")[0]}: '
            f'{gflops[dilated] / gflops[plain]:.2f}x FLOPs'
        )


def build_step(cfg: Config, args: argparse.Namespace, dtype: str = 'float32'):
    """``tools/benchmark.py``'s fixed-frame test step of ``cfg`` (untrained weights: speed
    does not depend on them); under ``torch.autocast`` in ``dtype`` unless float32."""
    check_device(args.device)
    model = MODELS.build(cfg.model).to(args.device).eval()
    step = fixed_frame_step(model, FRAME, tuple(args.shape))
    if dtype == 'float32':
        return step
    device_type = torch.device(args.device).type

    def autocast_step() -> None:
        with torch.autocast(device_type, dtype=getattr(torch, dtype)):
            step()

    return autocast_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--depth', type=int, default=101, choices=sorted(WIDTHS))
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 1024))
    parser.add_argument('--rounds', type=int, default=5, help='interleaved timing rounds')
    parser.add_argument('--iters', type=int, default=2, help='timed iterations per round')
    parser.add_argument('--classes', type=int, default=19)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--pairs', nargs='+', help='only these HC models (e.g. hcfcn32)')
    parser.add_argument('--json', help='write the table here too')
    parser.add_argument(
        '--dtypes',
        nargs='+',
        default=['float32'],
        choices=['float32', 'float16', 'bfloat16'],
        help='inference precisions, timed in the same rounds',
    )
    parser.add_argument(
        '--no-flops', action='store_true', help='skip the FLOP count (the same on every device)'
    )
    parser.add_argument(
        '--flops-only', action='store_true', help='count FLOPs and print their ratios, no timing'
    )
    args = parser.parse_args()
    from mmseg.utils import register_all_modules

    import segplug  # noqa: F401

    register_all_modules()
    shape = tuple(args.shape)
    pairs = [p for p in PAIRS if not args.pairs or p[1].split('_r18')[0] in args.pairs]
    ceilings = [c for c in CEILINGS if any(c[0] == p[0] for p in pairs)]
    names = list(
        dict.fromkeys([n for p in pairs for n in p[:2]] + [n for c in ceilings for n in c])
    )
    cfgs = {n: model_cfg(n, args.depth, args.classes) for n in names}
    nan = float('nan')
    gflops = {n: nan if args.no_flops else flops(cfgs[n], shape) / 1e9 for n in names}
    if args.flops_only:
        print(f'ResNet-{args.depth}, input {shape[0]}x{shape[1]}, {args.classes} classes')
        return flop_table(gflops, pairs, ceilings)
    keys = [(n, d) for d in args.dtypes for n in names]
    steps = {(n, d): build_step(cfgs[n], args, d) for n, d in keys}
    times: dict[tuple[str, str], list[list[float]]] = {k: [] for k in keys}
    for r in range(args.rounds):
        order = keys if r % 2 == 0 else keys[::-1]
        for k in order:
            times[k].append(time_step(steps[k], 1 if r == 0 else 0, args.iters))
        print(
            f'round {r + 1}/{args.rounds}: '
            + ', '.join(
                f'{n.split("_r18")[0]}/{d} {statistics.median(times[n, d][-1]):.0f}'
                for n, d in keys
            ),
            flush=True,
        )
    device = device_name(args.device)
    rows = []
    for dtype in args.dtypes:
        rows += table(
            {n: times[n, dtype] for n in names}, gflops, pairs, ceilings, args, device, dtype
        )
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2)


def table(
    times: dict[str, list[list[float]]],
    gflops: dict[str, float],
    pairs: list,
    ceilings: list,
    args: argparse.Namespace,
    device: str,
    dtype: str,
) -> list[dict]:
    """Print the ratios of one precision's timings; return them as rows."""
    shape = tuple(args.shape)
    med = {n: statistics.median(t for rnd in ts for t in rnd) for n, ts in times.items()}
    rows = []
    for base, hc, paper_base, paper_hc in pairs:
        per_round = [
            statistics.median(b) / statistics.median(h) for b, h in zip(times[base], times[hc])
        ]
        rows.append(
            dict(
                baseline=base,
                hc=hc,
                ms_baseline=med[base],
                ms_hc=med[hc],
                time_ratio=med[base] / med[hc],
                round_ratio_min=min(per_round),
                round_ratio_max=max(per_round),
                flop_ratio=gflops[base] / gflops[hc],
                gflops_baseline=gflops[base],
                gflops_hc=gflops[hc],
                paper_ratio=paper_base / paper_hc,
                device=device,
                dtype=dtype,
            )
        )
    print(
        f'\nResNet-{args.depth}, input {shape[0]}x{shape[1]}, {args.classes} classes, '
        f'{device}, {dtype}, median of {args.rounds} interleaved rounds x {args.iters} '
        'iterations'
    )
    print(
        f'{"baseline":<14} {"HC model":<12} {"ms base":>9} {"ms HC":>9} {"time x":>7} '
        f'{"rounds":>11} {"GFLOPs":>15} {"FLOP x":>7} {"paper x":>8}'
    )
    for r in rows:  # model names without the config's default depth
        print(
            f'{r["baseline"].split("_r18")[0]:<14} {r["hc"].split("_r18")[0]:<12} '
            f'{r["ms_baseline"]:>9.1f} {r["ms_hc"]:>9.1f} {r["time_ratio"]:>7.2f} '
            f'{r["round_ratio_min"]:>5.2f}-{r["round_ratio_max"]:<5.2f} '
            f'{r["gflops_baseline"]:>7.0f}/{r["gflops_hc"]:<7.0f} {r["flop_ratio"]:>7.2f} '
            f'{r["paper_ratio"]:>8.2f}'
        )
    for dilated, plain in ceilings:
        hc = next(p[1] for p in pairs if p[0] == dilated)
        ceiling = med[dilated] / med[plain]
        print(
            f'ceiling {dilated.split("_r18")[0]} / {plain.split("_r18")[0]}: '
            f'{ceiling:.2f}x time ({gflops[dilated] / gflops[plain]:.2f}x FLOPs); '
            f'{hc.split("_r18")[0]} reaches {med[dilated] / med[hc] / ceiling:.0%} of it'
        )
        rows.append(
            dict(
                baseline=dilated,
                plain=plain,
                ceiling_time_ratio=ceiling,
                ceiling_flop_ratio=gflops[dilated] / gflops[plain],
                hc=hc,
                fraction_of_ceiling=med[dilated] / med[hc] / ceiling,
                device=device,
                dtype=dtype,
            )
        )
    return rows


if __name__ == '__main__':
    main()
