"""SLIC (scikit-image) on BSDS500 val, scored by SuperpixelMetric against every annotator.

    python benchmarks/superpixels_bsds500.py [--n-segments 200 400] [--num 100]
        [--convention bsds --tolerance 1]

Reads the val split through ``BSDS500Dataset`` + ``LoadBSDSAnnotations`` (images and
``.mat`` ground truth from ``data/bsds500``, or ``--data-root``; docs/datasets.md), runs
``skimage.segmentation.slic``
(compactness 10, Lab, default sigma 0) and prints ASA, boundary recall / precision at the
tolerance, undersegmentation error and the mean number of superpixels, with the time spent
in SLIC and in the metric per image.
"""

from __future__ import annotations

import argparse
import os.path as osp
import time

from mmengine.registry import init_default_scope
from mmseg.registry import METRICS
from skimage.segmentation import slic

import segplug  # noqa: F401  (registers the dataset, transform and metric)
from segplug.datasets.bsds500 import bsds500_split

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
BSDS = osp.join(REPO, 'data', 'bsds500')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--n-segments', type=int, nargs='+', default=[200])
    parser.add_argument('--num', type=int, default=100, help='val images (100 = all)')
    parser.add_argument('--tolerance', type=float, default=1)
    parser.add_argument(
        '--convention',
        default='bsds',
        choices=['bsds', 'segplug'],
        help="SuperpixelMetric's: 'bsds' is the literature's protocol",
    )
    parser.add_argument('--data-root', default=BSDS)
    args = parser.parse_args()
    try:
        dataset = bsds500_split(args.data_root, 'val')
    except FileNotFoundError as err:
        parser.error(str(err))
    init_default_scope('mmseg')
    n = min(args.num, len(dataset))
    print(
        f'BSDS500 val, {n} images, every annotator, boundary tolerance {args.tolerance:g} px '
        f'({args.convention} convention)'
    )
    print('| SLIC n_segments | N (mean) | ASA % | BR % | BP % | UE % | SLIC s/img | metric s/img |')
    print('|---|---|---|---|---|---|---|---|')
    for n_segments in args.n_segments:
        metric = METRICS.build(
            dict(type='SuperpixelMetric', tolerance=args.tolerance, convention=args.convention)
        )
        t_slic = t_metric = 0.0
        for i in range(n):
            item = dataset[i]
            t0 = time.perf_counter()
            # LoadImageFromFile gives BGR; SLIC converts RGB to Lab
            sp = slic(item['img'][..., ::-1], n_segments=n_segments, compactness=10, start_label=1)
            t1 = time.perf_counter()
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
            t_slic += t1 - t0
            t_metric += time.perf_counter() - t1
        r = metric.evaluate(n)
        print(
            f'| {n_segments} | {r["N"]:.0f} | {r["ASA"]:.2f} | {r["BR"]:.2f} | {r["BP"]:.2f} '
            f'| {r["UE"]:.2f} | {t_slic / n:.3f} | {t_metric / n:.3f} |',
            flush=True,
        )


if __name__ == '__main__':
    main()
