"""Draw a semantic-feature model's per-pixel features as colours (SSS supplement, Fig. 2).

    python tools/show_features.py CONFIG [CHECKPOINT] IMAGE [IMAGE ...] --out-dir DIR
        [--radius 5] [--eps 0.01] [--no-filter]

Per image: the d-dimensional features of ``FeatureEncoderDecoder`` at the image's size, every
channel filtered by the guided filter guided by the image (supplement Sec. 1.1), PCA of that
image's pixels to 3 dimensions, normalised to [0, 1] (one min / max over the three, which
keeps the components' relative spread). Writes ``DIR/{image name}_features.png`` (the
3-d features as RGB, the image's size) and ``DIR/{image name}_features_panel.png`` (image |
PCA without filtering | guided filter + PCA, as in Fig. 2 (a), (c), (d)).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp

import cv2
import numpy as np
import torch
from torch import Tensor

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.apis import load_model, read_images, split_checkpoint
from segplug.ops import guided_filter


def semantic_features(model: torch.nn.Module, image_bgr: np.ndarray) -> Tensor:
    """(d, H, W) features of one BGR uint8 image, normalised as the model's preprocessor does."""
    if not hasattr(model, 'extract_semantic_features'):
        raise ValueError(f'{type(model).__name__} has no semantic features: use a '
                         f'FeatureEncoderDecoder config (configs/sssfeat/)')
    pre = model.data_preprocessor
    x = torch.from_numpy(image_bgr[..., ::-1].copy()).permute(2, 0, 1).float()[None]
    x = (x - pre.mean.cpu()) / pre.std.cpu()
    with torch.no_grad():
        return model.extract_semantic_features(x.to(next(model.parameters()).device))[0].cpu()


def pca3(feats: Tensor) -> Tensor:
    """Project (d, H, W) features on their image's 3 principal components -> (3, H, W).

    Exact (eigen-decomposition of the d x d covariance, so the result does not depend on a
    random seed as ``torch.pca_lowrank``'s would); each component's sign is fixed so that its
    largest loading is positive.
    """
    d, h, w = feats.shape
    if d < 3:
        raise ValueError(f'PCA to 3 dimensions needs features of >= 3 channels, got {d}')
    x = feats.reshape(d, -1).double()
    x = x - x.mean(1, keepdim=True)
    _, vecs = torch.linalg.eigh(x @ x.t() / x.shape[1])
    comps = vecs[:, -3:].flip(1)  # (d, 3), by decreasing variance
    sign = torch.sign(comps.gather(0, comps.abs().argmax(0, keepdim=True)))
    comps = comps * sign
    return (comps.t() @ x).reshape(-1, h, w)[:3].float()


def normalise01(x: Tensor) -> Tensor:
    """One affine map of all values to [0, 1] (constant input -> 0)."""
    lo, hi = x.min(), x.max()
    return (x - lo) / (hi - lo) if hi > lo else torch.zeros_like(x)


def feature_image(feats: Tensor, image_bgr: np.ndarray | None, radius: int = 5,
                  eps: float = 1e-2) -> Tensor:
    """Features -> (3, H, W) in [0, 1]: guided filter (when an image is given), PCA, normalise.

    Args:
        feats: (d, H, W) per-pixel features.
        image_bgr: (H, W, 3) uint8 guide, or None for no filtering (Fig. 2 (c)).
        radius, eps: guided filter window radius and regularisation (guide in [0, 1]).
    """
    if image_bgr is not None:
        if image_bgr.shape[:2] != tuple(feats.shape[1:]):
            raise ValueError(f'image {image_bgr.shape[:2]} and features '
                             f'{tuple(feats.shape[1:])} differ in size')
        guide = torch.from_numpy(image_bgr[..., ::-1] / 255.0).permute(2, 0, 1)
        feats = guided_filter(guide, feats, radius, eps)
    return normalise01(pca3(feats))


def to_bgr8(x: Tensor) -> np.ndarray:
    return (x.permute(1, 2, 0).numpy()[..., ::-1] * 255).round().astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('inputs', nargs='+', help='[CHECKPOINT] IMAGE [IMAGE ...]')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--radius', type=int, default=5, help='guided filter radius')
    parser.add_argument('--eps', type=float, default=1e-2,
                        help='guided filter regularisation (image in [0, 1])')
    parser.add_argument('--no-filter', action='store_true', help='PCA without guided filter')
    parser.add_argument('--allow-partial-checkpoint', action='store_true',
                        help='load only the weights of CHECKPOINT that fit the model (by '
                             'default missing, unexpected or reshaped keys are an error)')
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
        cv2.imwrite(stem + '_features_panel.png',
                    np.concatenate([img, to_bgr8(plain), to_bgr8(shown)], 1))
        print(f'{stem}_features.png: {feats.shape[0]}-d features -> 3 (PCA)')


if __name__ == '__main__':
    main()
