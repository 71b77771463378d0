"""Superpixel FCN vs SLIC on BSDS500 val: ASA, BR and BP at equal superpixel counts.

    python benchmarks/superpixel_curves_bsds500.py CHECKPOINT [--counts 200 400 600 1000]
        [--methods SLIC FCN] [--data-root data/bsds500] [--num 100]
        [--convention bsds --tolerance 1] [--out rows.json]

The superpixel FCN (Yang et al., CVPR 2020) has one superpixel per 16 x 16 cell; as in its
evaluation, the image is resized so that its grid holds about K cells, the superpixels are
taken there, resized back (nearest) and made connected (scikit-image's SLIC routine, segments
under 6% of the mean size merged, as Yang et al.'s code). SLIC is scikit-image's (compactness
10, Lab, connectivity enforced) with ``n_segments=K``. Both are scored by ``SuperpixelMetric``
against every annotator; the default is the literature's protocol (two-sided boundaries,
1-pixel square window). Prints one Markdown row per method and count, with the measured mean
superpixel count N, and writes the rows as JSON with ``--out``.
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
from skimage.segmentation._slic import _enforce_label_connectivity_cython

import segplug  # noqa: F401  (registers the dataset, transform and metric)
from segplug.apis import load_model
from segplug.datasets.bsds500 import bsds500_split

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs', 'ti', 'spixelfcn_1xb8-1k_bsds500-208x208.py')


def connected(labels: np.ndarray, n_target: int) -> np.ndarray:
    """Relabel (H, W) superpixels into connected segments, merging those under 6% of the
    mean segment size into a neighbour (Yang et al.'s / SSN's post-processing)."""
    size = labels.size / max(n_target, 1)
    out = _enforce_label_connectivity_cython(
        np.ascontiguousarray(labels[None].astype(np.intp)),
        int(0.06 * size),
        int(3 * size),
        start_label=1,
    )
    return out[0]


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
    return connected(labels.long().numpy(), count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        'checkpoint', nargs='?', help='superpixel FCN checkpoint (SuperpixelNetSegmentor)'
    )
    parser.add_argument('--methods', nargs='+', default=['SLIC', 'FCN'], choices=['SLIC', 'FCN'])
    parser.add_argument('--config', default=CONFIG)
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
    model = None
    if 'FCN' in args.methods:
        if not args.checkpoint or not osp.isfile(args.checkpoint):
            parser.error(f'superpixel FCN checkpoint not found: {args.checkpoint}')
        model = load_model(args.config, args.checkpoint, device='cpu')
    init_default_scope('mmseg')
    n = min(args.num, len(dataset))
    items = [dataset[i] for i in range(n)]
    print(
        f'BSDS500 val, {n} images, every annotator, SuperpixelMetric(convention='
        f'{args.convention!r}, tolerance={args.tolerance:g})'
    )
    print('| method | K asked | N (mean) | ASA % | BR % | BP % | UE % | s/img |')
    print('|---|---|---|---|---|---|---|---|')
    methods = {
        # LoadImageFromFile gives BGR; SLIC converts RGB to Lab
        'SLIC': lambda img, k: slic(img[..., ::-1], n_segments=k, compactness=10, start_label=1),
        'FCN': lambda img, k: fcn_superpixels(model, img, k),
    }
    methods = {k: v for k, v in methods.items() if k in args.methods}
    rows = []
    for count in args.counts:
        for name, run in methods.items():
            metric = METRICS.build(
                dict(type='SuperpixelMetric', tolerance=args.tolerance, convention=args.convention)
            )
            t = 0.0
            for item in items:
                t0 = time.perf_counter()
                sp = run(item['img'], count)
                t += time.perf_counter() - t0
                metric.process(
                    None,
                    [
                        dict(
                            pred_superpixels=sp,
                            seg_map_path=item['seg_map_path'],
                            img_path=item['img_path'],
                        )
                    ],
                )
            r = metric.evaluate(n)
            name = 'superpixel FCN' if name == 'FCN' else name
            rows.append(dict(method=name, k=count, **r))
            print(
                f'| {name} | {count} | {r["N"]:.0f} | {r["ASA"]:.2f} | {r["BR"]:.2f} '
                f'| {r["BP"]:.2f} | {r["UE"]:.2f} | {t / n:.3f} |',
                flush=True,
            )
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=1)


if __name__ == '__main__':
    main()
