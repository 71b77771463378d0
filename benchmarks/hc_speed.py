"""HC models against their baselines: ms/image and FLOPs of each pair, measured in one run.

    python benchmarks/hc_speed.py [--depth 101] [--shape 512 1024] [--iters 3] [--device cpu]

For each pair (same backbone depth, same input, same head) it runs ``tools/benchmark.py``'s
timing and MMEngine's FLOP counter, then prints ms/image, the measured time ratio and the
FLOP ratio side by side. The paper's Table 3 (ResNet-101, 1024x2048, RTX 8000) is printed
beside them for reference.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(REPO, 'tools'))
import benchmark  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402

MODELS_DIR = osp.join(REPO, 'configs', '_base_', 'models')
# (baseline, HC model, paper's ms/image for each, Table 3)
PAIRS = [
    ('fcn32_r18-v1c.py', 'hcfcn32_r18-v1c.py', 71.7, 85.9),
    ('atrousfcn_r18-v1c-d8.py', 'hcfcn32_r18-v1c.py', 296.7, 85.9),
    ('pspnet_r18-v1c-d8.py', 'hcpspnet_r18-v1c.py', 298.7, 87.0),
    ('deeplabv3_r18-v1c-d8.py', 'hcdeeplabv3_r18-v1c.py', 380.8, 93.2),
    ('fpn_r18-v1c.py', 'hcfpn_r18-v1c.py', 82.0, 92.9),
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
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        return FlopAnalyzer(model, torch.randn(1, 3, *shape)).total()


def time_ms(cfg: Config, args: argparse.Namespace) -> dict:
    path = f'/tmp/hc_speed_{osp.basename(cfg.filename)}'
    cfg.dump(path)
    return benchmark.run(benchmark.parse_args(
        [path, '--shape', *map(str, args.shape), '--warmup', '1', '--iters', str(args.iters),
         '--repeat', '1', '--device', args.device]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--depth', type=int, default=101, choices=sorted(WIDTHS))
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 1024))
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--classes', type=int, default=19)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--json', help='write the table here too')
    args = parser.parse_args()
    from mmseg.utils import register_all_modules

    import segplug  # noqa: F401
    register_all_modules()
    shape = tuple(args.shape)
    rows, cache = [], {}
    for base, hc, paper_base, paper_hc in PAIRS:
        for name in (base, hc):
            if name not in cache:
                cfg = model_cfg(name, args.depth, args.classes)
                r = time_ms(cfg, args)
                cache[name] = (r['ms_per_image_median'], flops(cfg, shape), r['device'])
        (tb, fb, dev), (th, fh, _) = cache[base], cache[hc]
        rows.append(dict(baseline=base, hc=hc, ms_baseline=tb, ms_hc=th, time_ratio=tb / th,
                         flop_ratio=fb / fh, gflops_baseline=fb / 1e9, gflops_hc=fh / 1e9,
                         paper_ratio=paper_base / paper_hc, device=dev))
    print(f'\nResNet-{args.depth}, input {shape[0]}x{shape[1]}, {args.classes} classes, '
          f'{rows[0]["device"]}, median of {args.iters} iterations')
    print(f'{"baseline":<26} {"HC model":<24} {"ms base":>9} {"ms HC":>9} {"time x":>7} '
          f'{"FLOP x":>7} {"paper x":>8}')
    for r in rows:  # model names without the config's default depth
        print(f'{r["baseline"].split("_r18")[0]:<26} {r["hc"].split("_r18")[0]:<24} '
              f'{r["ms_baseline"]:>9.1f} '
              f'{r["ms_hc"]:>9.1f} {r["time_ratio"]:>7.2f} {r["flop_ratio"]:>7.2f} '
              f'{r["paper_ratio"]:>8.2f}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
