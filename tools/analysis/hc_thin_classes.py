"""Why an HC model loses thin classes: per clustered level and class, the share of pixels
whose argmax seed has another class, the share with no candidate seed of their class (no
assignment could decode them), the share that taking the own cell's seed (nearest
upsampling) would leak, and the mean assignment entropy. With ``--ceiling``, also the
decoding ceiling: per class, the IoU of the ground truth's own stride-32 class shares
decoded to full resolution by bilinear upsampling, the own cell, the learned assignments
(soft and argmax) and the oracle assignment (segplug.evaluation.decoding_ceiling).

    python tools/analysis/hc_thin_classes.py CONFIG [CHECKPOINT] --data-root DIR
        [--max-images N] [--ceiling] [--json out.json]

Runs the backbone on the config's val images (360x480 CamVid) and prints one row per
class and level (segplug.evaluation.cluster_leakage).
"""

from __future__ import annotations

import argparse
import itertools
import json

import numpy as np
from mmseg.registry import DATASETS

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.apis import load_model
from segplug.evaluation.cluster_leakage import assignments_and_labels, leakage_totals
from segplug.evaluation.decoding_ceiling import ceiling_totals, iou_from_confusion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='none: the untrained model')
    parser.add_argument('--data-root', required=True)
    parser.add_argument('--max-images', type=int, default=None)
    parser.add_argument('--ceiling', action='store_true', help='also the decoding ceiling')
    parser.add_argument(
        '--ceiling-levels',
        type=int,
        nargs='+',
        default=None,
        help='decode the ceiling through only the finest L levels (default: all)',
    )
    parser.add_argument('--json')
    args = parser.parse_args()
    model = load_model(args.config, args.checkpoint)
    cfg = model.cfg.val_dataloader.dataset
    cfg.data_root = args.data_root
    dataset = DATASETS.build(cfg)
    classes = dataset.metainfo['classes']
    samples = itertools.islice((dataset[i] for i in range(len(dataset))), args.max_images)
    pairs = assignments_and_labels(model, samples, 'hc_thin_classes')
    if args.ceiling:  # one backbone pass for both (val at 360x480: about 12 MB a 100 images)
        pairs = list(pairs)
    rows = leakage_totals(pairs, len(classes))
    for level, row in enumerate(rows):
        print(
            f'level {level} ({row["size"][0]}x{row["size"][1]}): class, pixels, '
            'leaked share %, no-seed share %, own-cell leaked share %, entropy (nats)'
        )
        for c, name in enumerate(classes):
            print(
                f'  {name:12s} {row["pixels"][c]:9.0f} {100 * row["leaked_share"][c]:6.2f} '
                f'{100 * row["no_seed_share"][c]:6.2f} '
                f'{100 * row["own_cell_leaked_share"][c]:6.2f} {row["entropy"][c]:.3f}'
            )
    out = dict(classes=list(classes), levels=rows)
    if args.ceiling:
        matrices = ceiling_totals(pairs, len(classes), levels=args.ceiling_levels)
        ious = {m: iou_from_confusion(c) for m, c in matrices.items()}
        for group in dict.fromkeys(m.rsplit('/', 1)[0] for m in ious):
            cols = [m for m in ious if m.startswith(group + '/')]
            print(f'decoding ceiling {group} (IoU %): class, ' + ', '.join(cols))
            for c, name in enumerate(classes):
                print(f'  {name:12s} ' + ' '.join(f'{100 * ious[m][c]:6.2f}' for m in cols))
            print('  mIoU         ' + ' '.join(f'{100 * np.nanmean(ious[m]):6.2f}' for m in cols))
        out['ceiling_iou'] = {m: v.tolist() for m, v in ious.items()}
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
