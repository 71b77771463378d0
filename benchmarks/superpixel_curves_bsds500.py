"""Superpixel FCN, SSN and HCSSN vs SLIC on BSDS500 val: ASA, BR, BP and UE at equal
superpixel counts.

    python benchmarks/superpixel_curves_bsds500.py [CHECKPOINT] [--counts 200 400 600 1000]
        [--methods SLIC FCN SSN HCSSN] [--ssn CKPT ...] [--hcssn CKPT ...]
        [--data-root data/bsds500] [--num 100] [--convention bsds --tolerance 1]
        [--out rows.json]

The superpixel FCN (Yang et al., CVPR 2020; ``CHECKPOINT``) has one superpixel per 16 x 16
cell; as in its evaluation, the image is resized so that its grid holds about K cells, the
superpixels are taken there, resized back (nearest) and made connected (segments under 6% of
the mean size merged, as Yang et al.'s code; ``segplug.ops.enforce_connectivity``). SSN and
HCSSN (``SSNSegmentor``; one checkpoint per seed after ``--ssn`` / ``--hcssn``) run at the
image's own size on a grid of about K cells, 10 SLIC iterations (their config's
``test_cfg``), connectivity enforced the same way. SLIC is scikit-image's (compactness 10,
Lab, connectivity enforced) with ``n_segments=K``. All are scored by ``SuperpixelMetric``
against every annotator; the default is the literature's protocol (two-sided boundaries,
1-pixel square window). Prints one Markdown row per method, seed and count, with the measured
mean superpixel count N, and for several seeds their mean and standard deviation; writes the
rows as JSON with ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import time

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmseg.registry import METRICS
from skimage.segmentation import slic

import segplug  # noqa: F401  (registers the dataset, transform and metric)
from segplug.apis import load_model
from segplug.datasets.bsds500 import bsds500_split
from segplug.ops import enforce_connectivity

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs', 'ti', 'spixelfcn_1xb8-1k_bsds500-208x208.py')
SSN_CONFIGS = {
    m: osp.join(REPO, 'configs', 'ssn', f'{m.lower()}_1xb8-500i_bsds500-208x208.py')
    for m in ('SSN', 'HCSSN')
}
NAMES = {'FCN': 'superpixel FCN'}


@torch.no_grad()
def fcn_superpixels(model, img_bgr: np.ndarray, count: int) -> np.ndarray:
    """Superpixel FCN superpixels of an (H, W, 3) BGR image, about ``count`` of them."""
    h, w = img_bgr.shape[:2]
    net = model.superpixel_net
    size = net.input_size_for(count, (h, w))
    x = torch.from_numpy(np.ascontiguousarray(img_bgr[..., ::-1])).permute(2, 0, 1)[None]
    dp = model.data_preprocessor
    x = (x.float() - dp.mean) / dp.std
    x = F.interpolate(x, size=size, mode='bilinear', align_corners=False)
    labels = net.hard_superpixels(net(x))
    labels = F.interpolate(labels[None].float(), size=(h, w), mode='nearest')[0, 0]
    return enforce_connectivity(labels.long().numpy(), count)


def ssn_superpixels(model, img_bgr: np.ndarray, count: int) -> np.ndarray:
    """SSN / HCSSN superpixels of an (H, W, 3) BGR image at its own size, about ``count``."""
    x = torch.from_numpy(np.ascontiguousarray(img_bgr[..., ::-1])).permute(2, 0, 1)[None]
    return model.superpixels(x.float(), count)[0]


def score(run, items: list, count: int, args: argparse.Namespace) -> tuple[dict, float]:
    """SuperpixelMetric over ``items`` of ``run(img, count)``; the mean seconds per image."""
    metric = METRICS.build(
        dict(type='SuperpixelMetric', tolerance=args.tolerance, convention=args.convention)
    )
    t = 0.0
    for item in items:
        t0 = time.perf_counter()
        sp = run(item['img'], count)
        t += time.perf_counter() - t0
        sample = dict(pred_superpixels=sp, seg_map_path=item['seg_map_path'])
        metric.process(None, [dict(sample, img_path=item['img_path'])])
    return metric.evaluate(len(items)), t / len(items)


def print_row(name: str, seed: str, count: int, r: dict, seconds: float | None) -> None:
    sec = f'{seconds:.3f}' if seconds is not None else '-'
    print(
        f'| {name} | {seed} | {count} | {r["N"]:.0f} | {r["ASA"]:.2f} | {r["BR"]:.2f} '
        f'| {r["BP"]:.2f} | {r["UE"]:.2f} | {sec} |',
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        'checkpoint', nargs='?', help='superpixel FCN checkpoint (SuperpixelNetSegmentor)'
    )
    parser.add_argument(
        '--methods', nargs='+', default=['SLIC', 'FCN'], choices=['SLIC', 'FCN', 'SSN', 'HCSSN']
    )
    parser.add_argument('--config', default=CONFIG, help='the superpixel FCN config')
    parser.add_argument('--ssn', nargs='+', default=[], help='SSN checkpoints, one per seed')
    parser.add_argument('--hcssn', nargs='+', default=[], help='HCSSN checkpoints, one per seed')
    parser.add_argument('--ssn-config', default=SSN_CONFIGS['SSN'])
    parser.add_argument('--hcssn-config', default=SSN_CONFIGS['HCSSN'])
    parser.add_argument('--counts', type=int, nargs='+', default=[200, 400, 600, 1000])
    parser.add_argument('--num', type=int, default=100, help='val images (100 = all)')
    parser.add_argument('--convention', default='bsds', choices=['bsds', 'segplug'])
    parser.add_argument('--tolerance', type=float, default=1)
    parser.add_argument('--data-root', default=osp.join(REPO, 'data', 'bsds500'))
    parser.add_argument('--out', help='write the rows as JSON here')
    args = parser.parse_args()
    try:
        dataset = bsds500_split(args.data_root, 'val')
    except FileNotFoundError as err:
        parser.error(str(err))
    # method -> [(seed label, model or None)]
    models: dict[str, list] = {}
    if 'SLIC' in args.methods:
        models['SLIC'] = [('-', None)]
    if 'FCN' in args.methods:
        if not args.checkpoint or not osp.isfile(args.checkpoint):
            parser.error(f'superpixel FCN checkpoint not found: {args.checkpoint}')
        models['FCN'] = [('-', load_model(args.config, args.checkpoint, device='cpu'))]
    for name, ckpts, config in (
        ('SSN', args.ssn, args.ssn_config),
        ('HCSSN', args.hcssn, args.hcssn_config),
    ):
        if name not in args.methods:
            continue
        missing = [c for c in ckpts if not osp.isfile(c)]
        if not ckpts or missing:
            parser.error(f'{name} checkpoints not found: {missing or "none given"}')
        models[name] = [(str(i), load_model(config, c, device='cpu')) for i, c in enumerate(ckpts)]
    init_default_scope('mmseg')
    n = min(args.num, len(dataset))
    items = [dataset[i] for i in range(n)]
    print(
        f'BSDS500 val, {n} images, every annotator, SuperpixelMetric(convention='
        f'{args.convention!r}, tolerance={args.tolerance:g})'
    )
    print('| method | seed | K asked | N (mean) | ASA % | BR % | BP % | UE % | s/img |')
    print('|---|---|---|---|---|---|---|---|---|')
    runs = {
        # LoadImageFromFile gives BGR; SLIC converts RGB to Lab
        'SLIC': lambda model: lambda img, k: slic(
            img[..., ::-1], n_segments=k, compactness=10, start_label=1
        ),
        'FCN': lambda model: lambda img, k: fcn_superpixels(model, img, k),
        'SSN': lambda model: lambda img, k: ssn_superpixels(model, img, k),
        'HCSSN': lambda model: lambda img, k: ssn_superpixels(model, img, k),
    }
    rows = []
    for count in args.counts:
        for method, seeds in models.items():
            name = NAMES.get(method, method)
            per_seed = []
            for seed, model in seeds:
                r, seconds = score(runs[method](model), items, count, args)
                per_seed.append(r)
                rows.append(dict(method=name, seed=seed, k=count, **r))
                print_row(name, seed, count, r, seconds)
            if len(per_seed) > 1:
                mean = {k: float(np.mean([r[k] for r in per_seed])) for k in per_seed[0]}
                std = {f'{k}_std': float(np.std([r[k] for r in per_seed])) for k in per_seed[0]}
                seeds_row = dict(method=name, seed='mean', k=count, seeds=len(per_seed))
                rows.append(dict(seeds_row, **mean, **std))
                print_row(name, f'mean of {len(per_seed)}', count, mean, None)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=1)


if __name__ == '__main__':
    main()
