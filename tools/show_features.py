"""Draw a semantic-feature model's per-pixel features as colours (SSS supplement, Fig. 2).

    python tools/show_features.py CONFIG [CHECKPOINT] IMAGE [IMAGE ...] --out-dir DIR
        [--radius 5] [--eps 0.01] [--no-filter]

Per image: the d-dimensional features of ``SemanticFeatureEncoderDecoder`` at the image's
size, every channel filtered by the guided filter guided by the image (supplement Sec. 1.1),
PCA of that image's pixels to 3 dimensions, normalised to [0, 1] (one min / max over the
three, which keeps the components' relative spread). Writes ``DIR/{image name}_features.png`` (the
3-d features as RGB, the image's size) and ``DIR/{image name}_features_panel.png`` (image |
PCA without filtering | guided filter + PCA, as in Fig. 2 (a), (c), (d)).
"""

from __future__ import annotations

import argparse
import os
import os.path as osp

import cv2
import numpy as np

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.apis import load_model, read_images, split_checkpoint
from segplug.visualization import feature_image, semantic_features, to_bgr8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('inputs', nargs='+', help='[CHECKPOINT] IMAGE [IMAGE ...]')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--radius', type=int, default=5, help='guided filter radius')
    parser.add_argument(
        '--eps', type=float, default=1e-2, help='guided filter regularisation (image in [0, 1])'
    )
    parser.add_argument('--no-filter', action='store_true', help='PCA without guided filter')
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
        feats = semantic_features(model, img)
        plain = feature_image(feats, None)
        shown = plain if args.no_filter else feature_image(feats, img, args.radius, args.eps)
        stem = osp.join(args.out_dir, osp.splitext(osp.basename(path))[0])
        cv2.imwrite(stem + '_features.png', to_bgr8(shown))
        cv2.imwrite(
            stem + '_features_panel.png', np.concatenate([img, to_bgr8(plain), to_bgr8(shown)], 1)
        )
        print(f'{stem}_features.png: {feats.shape[0]}-d features -> 3 (PCA)')


if __name__ == '__main__':
    main()
