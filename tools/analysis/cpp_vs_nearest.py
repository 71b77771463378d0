"""What CPP pooling keeps that nearest-neighbour down-sampling of labels loses (SeeThroughNet
supplement D.1, as numbers instead of a picture).

    python tools/analysis/cpp_vs_nearest.py [--root data/camvid] [--split val]
        [--scales 8 16] [--ignore 11]

For every class k and scale s, over all label maps of the split:
- ``NN pixels``: share of k's pixels that lie in a cell whose nearest-neighbour label is k,
  i.e. that the down-sampled ground truth still represents. CPP: 100% by construction.
- ``NN cells``: of the s x s cells that contain class k, the share whose nearest-neighbour
  label (``F.interpolate(mode='nearest')``, the top-left pixel of the cell, what
  MMSegmentation-style label resizing does) is k. CPP pooling keeps k in all of them
  (probability > 0), so its column would read 100%.
- ``NN area``: s^2 x (cells labelled k by NN) / (pixels of k): the area NN attributes to k,
  relative to the truth. CPP pooling's expected area sum(p_k x labelled pixels) equals the
  pixel count exactly (checked here for every class and scale).
- ``k not majority``: share of k's pixels that lie in cells where k is not the most frequent
  class: what any hard down-sampling (nearest, mode) must drop and CPP keeps as probability.
"""

from __future__ import annotations

import argparse
import os.path as osp

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from segplug.datasets import CamVidDataset
from segplug.ops import cpp_pool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CAMVID_CLASSES = CamVidDataset.METAINFO['classes']
THIN = {'Pole', 'SignSymbol', 'Pedestrian', 'Bicyclist'}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        '--root',
        default=osp.join(REPO, 'data', 'camvid'),
        help="CamVid in the configs' layout (docs/datasets.md)",
    )
    p.add_argument('--split', default='val')
    p.add_argument('--scales', type=int, nargs='+', default=[8, 16])
    p.add_argument('--ignore', type=int, default=11)
    args = p.parse_args()
    split_file = osp.join(args.root, f'{args.split}.txt')
    if not osp.isfile(split_file):
        p.error(
            f'CamVid split file not found: {split_file}: prepare data/camvid with '
            'tools/dataset_converters/camvid.py (docs/datasets.md) or pass --root'
        )
    stems = [s.strip() for s in open(split_file) if s.strip()]
    labels = []
    for stem in stems:
        path = osp.join(args.root, 'labels', args.split, stem + '.png')
        lab = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if lab is None:
            raise FileNotFoundError(path)
        labels.append(torch.from_numpy(lab.astype(np.int64)))
    labels = torch.stack(labels)  # (N, H, W)
    c = len(CAMVID_CLASSES)
    labels = labels.masked_fill(labels == args.ignore, 255)
    b, hh, ww = labels.shape
    pixels = torch.bincount(labels[labels != 255], minlength=c).double()
    print(f'{b} label maps of CamVid {args.split} ({hh}x{ww}), ignore id {args.ignore}')
    rows = {k: [] for k in range(c)}
    for s in args.scales:
        pooled = cpp_pool(labels, c, s, ignore_index=255, max_ignore_ratio=1.0)
        labelled = (1 - pooled.ignore_ratio) * _area(hh, ww, s)  # labelled pixels per cell
        cpp_area = (pooled.probs.double() * labelled[:, None]).sum((0, 2, 3))
        if not torch.allclose(cpp_area, pixels, rtol=1e-6):
            raise RuntimeError('CPP pooling lost probability mass: a bug')
        h, w = pooled.probs.shape[-2:]
        nn = F.interpolate(labels[:, None].float(), size=(h, w), mode='nearest')[:, 0].long()
        majority = pooled.probs.argmax(1)
        for k in range(c):
            has_k = pooled.probs[:, k] > 0
            nn_cells = (nn[has_k] == k).double().mean().item() if has_k.any() else float('nan')
            nn_area = (nn == k).sum().item() * s * s / pixels[k].item()
            counts_k = pooled.probs[:, k].double() * labelled
            minority = counts_k[majority != k].sum().item() / pixels[k].item()
            kept = counts_k[nn == k].sum().item() / pixels[k].item()
            rows[k].append((kept, nn_cells, nn_area, minority))
    head = ' | '.join(
        f'NN pixels 1/{s} | NN cells 1/{s} | NN area 1/{s} | k not majority 1/{s}'
        for s in args.scales
    )
    print(f'| class | pixels | {head} |')
    print('|---|---|' + '---|' * 4 * len(args.scales))
    for k, name in enumerate(CAMVID_CLASSES):
        cells = ' | '.join(f'{p:.1%} | {a:.1%} | {r:.2f} | {m:.1%}' for p, a, r, m in rows[k])
        print(f'| {name}{" (thin)" if name in THIN else ""} | {int(pixels[k])} | {cells} |')
    print(
        'CPP pooling: 100% of the cells holding a class keep it (p > 0) and its expected '
        'area equals its pixel count at every scale (checked).'
    )


def _area(hh: int, ww: int, s: int) -> torch.Tensor:
    """In-image pixels of each cell (s*s except at a ragged border)."""
    ch = (hh - torch.arange(-(-hh // s)) * s).clamp(max=s)
    cw = (ww - torch.arange(-(-ww // s)) * s).clamp(max=s)
    return (ch[:, None] * cw[None, :]).double()


if __name__ == '__main__':
    main()
