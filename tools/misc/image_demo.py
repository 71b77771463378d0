"""Segment images with a segplug model through MMSegmentation's ``MMSegInferencer``.

    python tools/misc/image_demo.py CONFIG CHECKPOINT IMAGE [IMAGE ...] --out-dir DIR
                                    [--opacity 0.5] [--no-labels] [--device cpu]
    python tools/misc/image_demo.py CONFIG CHECKPOINT IMAGE --out FILE.png

Writes ``DIR/{image stem}.png`` (or ``FILE.png`` for one image): the image with the
predicted classes coloured in the checkpoint's palette
(``segplug.utils.inference.build_inferencer``: strict checkpoint, the dataset's classes and
colours).
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import sys

import cv2

from segplug.apis import read_images
from segplug.utils.inference import build_inferencer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Segment images (MMSegInferencer)')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('images', nargs='+')
    out = parser.add_mutually_exclusive_group(required=True)
    out.add_argument('--out-dir', help='one {image stem}.png per image here')
    out.add_argument('--out', help='the picture of the one IMAGE, to this file')
    parser.add_argument('--opacity', type=float, default=0.5)
    parser.add_argument('--no-labels', action='store_true', help='no class names drawn')
    parser.add_argument('--device', default=None, help='default: cuda if there is one')
    args = parser.parse_args(argv)
    if args.out and len(args.images) > 1:
        parser.error(f'--out takes one IMAGE, got {len(args.images)}: use --out-dir')
    return args


def main(argv: list[str] | None = None) -> list[str]:
    args = parse_args(argv)
    for _ in read_images(args.images):  # every image readable before the model is built
        pass
    inferencer = build_inferencer(args.config, args.checkpoint, args.device)
    os.makedirs(args.out_dir or osp.dirname(osp.abspath(args.out)), exist_ok=True)
    written = []
    for path in args.images:
        # one input: MMSegInferencer returns the (H, W, 3) RGB picture itself, not a list
        vis = inferencer(
            path, return_vis=True, opacity=args.opacity, with_labels=not args.no_labels
        )['visualization']
        out = args.out or osp.join(args.out_dir, osp.splitext(osp.basename(path))[0] + '.png')
        cv2.imwrite(out, vis[..., ::-1])  # RGB -> BGR
        written.append(out)
        print(out)
    return written


if __name__ == '__main__':
    main(sys.argv[1:])
