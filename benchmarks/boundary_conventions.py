"""The same predictions scored under each BoundaryMetric convention (docs/evaluation.md).

    python benchmarks/boundary_conventions.py [--data-root data/camvid_demo] [--num 40]

Predictions: the CamVid val labels themselves, reduced to 1/8 and 1/32 of their size by
nearest-neighbour sampling and enlarged back (what a stride-8 and a stride-32 model would give
at best, with no other error), so the table shows what each convention does to boundary
error alone. Prints BF, BP, BR at 1 / 2 / 3 px for ``segplug`` and ``bsds``, at GSCNN's
diagonal fractions for ``gscnn``, and mBIoU (Cheng et al., d = 2 % of the diagonal), with
mIoU for reference.
"""

from __future__ import annotations

import argparse
import os.path as osp

import numpy as np
import torch
import torch.nn.functional as F
from mmseg.registry import METRICS
from PIL import Image

import segplug  # noqa: F401  (registers the metrics)
from segplug.datasets import CamVidDataset

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLASSES = CamVidDataset.METAINFO['classes']
GSCNN = (0.00088, 0.001875, 0.00375)


def coarse(label: np.ndarray, stride: int) -> np.ndarray:
    t = torch.from_numpy(label)[None, None].float()
    small = F.interpolate(t, scale_factor=1 / stride, mode='nearest')
    return F.interpolate(small, size=label.shape, mode='nearest')[0, 0].long().numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--data-root', default=osp.join(REPO, 'data', 'camvid_demo'))
    parser.add_argument('--num', type=int, default=40)
    args = parser.parse_args()
    stems = open(osp.join(args.data_root, 'val.txt')).read().split()[: args.num]
    labels = [
        np.asarray(Image.open(osp.join(args.data_root, 'labels', 'val', f'{s}.png'))).astype(
            np.int64
        )
        for s in stems
    ]
    shape = labels[0].shape
    print(
        f'CamVid val, {len(labels)} frames of {shape[0]}x{shape[1]} (diagonal '
        f'{np.hypot(*shape):.0f} px); Unlabelled (11) ignored'
    )
    settings = [('segplug', (1, 2, 3)), ('bsds', (1, 2, 3)), ('gscnn', GSCNN)]
    print('| prediction | convention | tolerances | BF | BP | BR | mBF | mBIoU | mIoU |')
    print('|---|---|---|---|---|---|---|---|---|')
    for stride in (8, 32):
        for convention, tols in settings:
            metric = METRICS.build(
                dict(
                    type='BoundaryMetric',
                    tolerances=tols,
                    convention=convention,
                    ignore_index=11,
                    boundary_iou=0.02,
                )
            )
            iou = METRICS.build(dict(type='IoUMetric', iou_metrics=['mIoU'], ignore_index=11))
            for m in (metric, iou):
                m.dataset_meta = dict(classes=CLASSES)
            samples = [
                dict(
                    pred_sem_seg=dict(data=torch.from_numpy(coarse(lab, stride))[None]),
                    gt_sem_seg=dict(data=torch.from_numpy(lab)[None]),
                )
                for lab in labels
            ]
            metric.process({}, samples)
            iou.process({}, samples)
            r, miou = metric.evaluate(len(samples)), iou.evaluate(len(samples))['mIoU']
            keys = [f'{t:g}' for t in tols]
            px = metric.pixel_tolerances(shape)

            def cell(name: str) -> str:
                return ' / '.join(f'{r[f"{name}@{k}"]:.2f}' for k in keys)

            tol_text = ' / '.join(f'{t:g}' for t in tols) + (
                f' (= {" / ".join(f"{p:g}" for p in px)} px)' if convention == 'gscnn' else ' px'
            )
            print(
                f'| labels at 1/{stride} | {convention} | {tol_text} | {cell("BF")} | '
                f'{cell("BP")} | {cell("BR")} | {cell("mBF")} | {r["mBIoU"]:.2f} | '
                f'{miou:.2f} |',
                flush=True,
            )


if __name__ == '__main__':
    main()
