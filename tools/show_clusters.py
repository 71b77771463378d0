"""Draw an HC model's clusters (the hierarchy of hard assignments) over images.

    python tools/show_clusters.py CONFIG [CHECKPOINT] IMAGE [IMAGE ...] --out-dir DIR

Writes ``DIR/{image name}_clusters.png``: the image with the cluster boundaries of the
finest clustered level drawn in yellow, as the HC paper's Fig. 3 shows them.
"""

from __future__ import annotations

import argparse
import os
import os.path as osp

import cv2
import numpy as np
from skimage.segmentation import mark_boundaries

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.apis import load_model, read_images, split_checkpoint
from segplug.visualization import clusters_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('inputs', nargs='+', help='[CHECKPOINT] IMAGE [IMAGE ...]')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='load only the weights of CHECKPOINT that fit the model (by '
        'default missing, unexpected or reshaped keys are an error)',
    )
    args = parser.parse_args()
    checkpoint, images = split_checkpoint(args.inputs)
    model = load_model(args.config, checkpoint, strict=not args.allow_partial_checkpoint)
    os.makedirs(args.out_dir, exist_ok=True)
    for path, img in read_images(images):
        labels = clusters_of(model, img)
        drawn = mark_boundaries(img[..., ::-1] / 255.0, labels, color=(1, 1, 0))
        out = osp.join(args.out_dir, osp.splitext(osp.basename(path))[0] + '_clusters.png')
        cv2.imwrite(out, (drawn[..., ::-1] * 255).astype(np.uint8))
        print(f'{out}: {len(np.unique(labels))} clusters')


if __name__ == '__main__':
    main()
