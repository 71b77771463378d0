"""Superpixel leakage of SSN / HCSSN models side by side, like the HC paper's Fig. 10.

    python tools/analysis/show_undersegmentation.py --model HCSSN CONFIG [CHECKPOINT] \\
        --model SSN CONFIG [CHECKPOINT] [--slic] --data-root data/bsds500 --out-dir DIR \\
        [--split val] [--images 101085 ...] [--num 5] [--count 600] [--annotator 0]

For each image, ``DIR/{image}_undersegmentation.png``: one panel per model (in the order
given; the paper puts HCSSN left), each with the superpixel boundaries (yellow) and the pixels
that superpixels leak outside their largest ground-truth segment (red; their share is
1 - ASA) against one annotator, and a line per panel with that annotator's ASA and
Neubert-Protzel undersegmentation error (UE). Models are ``SSNSegmentor`` configs
(``configs/ssn/``); ``--slic`` adds scikit-image's SLIC at the same count.
"""

from __future__ import annotations

import argparse
import os
import os.path as osp

import cv2
import numpy as np
import torch
from skimage.segmentation import slic

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.apis import load_model
from segplug.datasets.bsds500 import bsds500_split, load_bsds_groundtruth
from segplug.ops.superpixel_scores import (
    achievable_segmentation_accuracy,
    contingency,
    undersegmentation_error,
)
from segplug.visualization.undersegmentation import leakage_picture, side_by_side


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--model',
        nargs='+',
        action='append',
        default=[],
        metavar='NAME CONFIG [CHECKPOINT]',
        help='a panel: its title, an SSNSegmentor config and its checkpoint (none: untrained)',
    )
    parser.add_argument('--slic', action='store_true', help="add SLIC (scikit-image's)")
    parser.add_argument('--data-root', default='data/bsds500')
    parser.add_argument('--split', default='val')
    parser.add_argument('--images', nargs='+', help='image names (default: the first --num)')
    parser.add_argument('--num', type=int, default=5)
    parser.add_argument('--count', type=int, default=600, help='superpixels asked for')
    parser.add_argument('--annotator', type=int, default=0, help='which ground truth')
    parser.add_argument('--out-dir', required=True)
    args = parser.parse_args(argv)
    for m in args.model:
        if len(m) not in (2, 3):
            parser.error(f'--model takes NAME CONFIG [CHECKPOINT], got {" ".join(m)}')
        for path in m[1:]:
            if not osp.isfile(path):
                parser.error(f'--model {m[0]}: file not found: {path}')
    if not args.model and not args.slic:
        parser.error('nothing to draw: give --model NAME CONFIG [CHECKPOINT] or --slic')
    try:
        args.dataset = bsds500_split(args.data_root, args.split)
    except FileNotFoundError as err:
        parser.error(str(err))
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    dataset = args.dataset
    names = [
        osp.splitext(osp.basename(dataset.get_data_info(i)['img_path']))[0]
        for i in range(len(dataset))
    ]
    if args.images:
        unknown = sorted(set(args.images) - set(names))
        if unknown:
            raise SystemExit(f'not in BSDS500 {args.split} under {args.data_root}: {unknown}')
        indices = [names.index(n) for n in args.images]
    else:
        indices = list(range(min(args.num, len(names))))
    runs = []
    for m in args.model:
        model = load_model(m[1], m[2] if len(m) == 3 else None)
        runs.append((m[0], lambda rgb, k, model=model: model.superpixels(rgb, k)[0]))
    if args.slic:
        runs.append(('SLIC', lambda rgb, k: slic(rgb[0].permute(1, 2, 0).numpy(), k, 10)))
    os.makedirs(args.out_dir, exist_ok=True)
    for i in indices:
        item = dataset[i]
        img = item['img']  # BGR uint8
        segs, _ = load_bsds_groundtruth(item['seg_map_path'])
        if not 0 <= args.annotator < len(segs):
            raise SystemExit(f'{names[i]} has {len(segs)} annotators, not {args.annotator + 1}')
        seg = segs[args.annotator]
        rgb = torch.from_numpy(np.ascontiguousarray(img[..., ::-1])).permute(2, 0, 1)[None]
        panels = []
        for title, run in runs:
            with torch.no_grad():
                sp = np.asarray(run(rgb.float(), args.count))
            overlap = contingency(sp, seg)
            asa = 100 * achievable_segmentation_accuracy(overlap)
            ue = 100 * undersegmentation_error(overlap)
            n = len(np.unique(sp))
            caption = f'{title}: {n} sp, ASA {asa:.1f}, UE {ue:.1f}'
            panels.append((caption, leakage_picture(img, sp, seg)))
            print(f'{names[i]} | {title} | {n} | ASA {asa:.2f} | UE {ue:.2f}')
        out = osp.join(args.out_dir, f'{names[i]}_undersegmentation.png')
        cv2.imwrite(out, side_by_side(panels))
        print(out)


if __name__ == '__main__':
    main()
