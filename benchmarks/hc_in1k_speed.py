"""Cost of the ImageNet-start CamVid models side by side: ms/image and GFLOPs in one run.

    python benchmarks/hc_in1k_speed.py [--shape 360 480] [--rounds 5] [--iters 3]
                                       [--json docs/results/hc_camvid_in1k_speed.json]

FCN-32, HCFCN-32 (also with separable offset predictors, and without DCNs: its clustering
and decoding alone) and AtrousFCN (output stride 8), and FPN with bilinear / HC / DySample
upsampling (ratios against bilinear FPN), on EfficientNet-Lite0, 11 classes: every
model built first, then timed in interleaved rounds (``tools/benchmark.py``'s test step of a
real CamVid frame at ``--shape``, the order reversed every other round) so that a load that
comes and goes falls on all alike; the median over all rounds and its ratio to FCN-32 are
reported, and the ratio paired by round (each round's median time over its baseline's in
the same round: median and quartiles over rounds, the spread a rerun would show), with
inference FLOPs (``segplug.utils.flops``: DCNv2, clustering and decoding
counted). Untrained weights: speed does not depend on them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os.path as osp
import statistics
import subprocess

from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

from segplug.utils.benchmark import DEMO_FRAME, device_name, fixed_frame_step, time_step
from segplug.utils.flops import segmentor_complexity

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
FRAME = osp.join(REPO, DEMO_FRAME)
MODELS_DIR = osp.join(REPO, 'configs', '_base_', 'models')
UPSAMPLERS = osp.join(REPO, 'configs', 'upsamplers')
VARIANTS = {
    'fcn32': osp.join(MODELS_DIR, 'fcn32_efflite0-in1k.py'),
    'hcfcn32': osp.join(MODELS_DIR, 'hcfcn32_efflite0-in1k.py'),
    'hcfcn32-sepoff': osp.join(
        REPO, 'configs', 'hc', 'hcfcn32-sepoff_efflite0-in1k_1xb8-1k_camvid-256x256.py'
    ),
    'hcfcn32-nodcn': osp.join(MODELS_DIR, 'hcfcn32_efflite0-in1k.py'),
    'atrousfcn': osp.join(MODELS_DIR, 'atrousfcn_efflite0-in1k-d8.py'),
    'fpn-bilinear': osp.join(UPSAMPLERS, 'fpn-bilinear_efflite0-in1k_1xb8-1k_camvid-256x256.py'),
    'fpn-hc': osp.join(UPSAMPLERS, 'fpn-hc_hcefflite0-in1k_1xb8-1k_camvid-256x256.py'),
    'fpn-dysample': osp.join(UPSAMPLERS, 'fpn-dysample_efflite0-in1k_1xb8-1k_camvid-256x256.py'),
}
#: backbone settings changed from the config: HCFCN-32 with its strided convolutions left
#: plain, to time the clustering and decoding apart from the DCNs
BACKBONE = {'hcfcn32-nodcn': dict(use_dcn=False)}
#: the model each one's ratios are taken against (FCN-32 otherwise)
BASELINES = {'fpn-hc': 'fpn-bilinear', 'fpn-dysample': 'fpn-bilinear'}


def paired_ratio(times: list[list[float]], base: list[list[float]]) -> dict[str, float]:
    """Median and quartiles over rounds of (median time in the round) / (the baseline's
    median time in the same round); ``times`` and ``base``: per round, ms per iteration."""
    ratios = [statistics.median(t) / statistics.median(b) for t, b in zip(times, base)]
    if len(ratios) < 2:
        return dict(median=ratios[0], q1=ratios[0], q3=ratios[0])
    q1, q2, q3 = statistics.quantiles(ratios, n=4, method='inclusive')
    return dict(median=q2, q1=q1, q3=q3)


def build(name: str, classes: int = 11):
    cfg = Config.fromfile(VARIANTS[name])
    for head in ('decode_head', 'auxiliary_head'):
        if cfg.model.get(head):
            cfg.model[head].num_classes = classes
    cfg.model.backbone.update(BACKBONE.get(name, {}))
    return MODELS.build(cfg.model).eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--shape', type=int, nargs=2, default=(360, 480))
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--iters', type=int, default=3, help='timed iterations per round')
    parser.add_argument('--json', help='write the numbers, command, commit and date here')
    args = parser.parse_args()
    register_all_modules()
    shape = tuple(args.shape)
    models = {n: build(n) for n in VARIANTS}
    gflops = {n: segmentor_complexity(m, shape).flops / 1e9 for n, m in models.items()}
    steps = {n: fixed_frame_step(m, FRAME, shape) for n, m in models.items()}
    rounds: dict[str, list[list[float]]] = {n: [] for n in VARIANTS}
    for r in range(args.rounds):
        order = list(VARIANTS) if r % 2 == 0 else list(reversed(VARIANTS))
        for n in order:
            rounds[n].append(time_step(steps[n], 1 if r == 0 else 0, args.iters))
    med = {n: statistics.median(t for rnd in rs for t in rnd) for n, rs in rounds.items()}
    paired = {n: paired_ratio(rounds[n], rounds[BASELINES.get(n, 'fcn32')]) for n in VARIANTS}
    print(f'{device_name("cpu")}, input 1x3x{shape[0]}x{shape[1]}, {args.rounds} rounds')
    print(
        f'{"model":<15} {"ms/image":>9} {"x base":>7} {"paired (q1-q3)":>17} {"GFLOPs":>8} '
        f'{"x base":>7}  base'
    )
    for n in VARIANTS:
        b = BASELINES.get(n, 'fcn32')
        q = paired[n]
        print(
            f'{n:<15} {med[n]:>9.1f} {med[n] / med[b]:>7.2f} '
            f'{q["median"]:>6.3f} ({q["q1"]:.3f}-{q["q3"]:.3f}) {gflops[n]:>8.2f} '
            f'{gflops[n] / gflops[b]:>7.2f}  {b}'
        )
    if args.json:
        commit = subprocess.run(
            ['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True
        ).stdout.strip()
        data = dict(
            meta=dict(
                command=f'python benchmarks/hc_in1k_speed.py --rounds {args.rounds} '
                f'--iters {args.iters}',
                date=datetime.date.today().isoformat(),
                commit=commit,
                device=device_name('cpu'),
                shape=list(shape),
            ),
            ms_per_image=med,
            time_ratio=paired,
            gflops=gflops,
            baselines=BASELINES,
        )
        with open(args.json, 'w') as f:
            json.dump(data, f, indent=1)
            f.write('\n')


if __name__ == '__main__':
    main()
