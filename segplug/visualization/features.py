"""Per-pixel semantic features as pictures: guided filter + per-image PCA (SSS, Fig. 2)."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from segplug.ops import guided_filter

from .inputs import model_input


def semantic_features(model: torch.nn.Module, image_bgr: np.ndarray) -> Tensor:
    """(d, H, W) features of one BGR uint8 image, normalised as the model's preprocessor does."""
    if not hasattr(model, 'extract_semantic_features'):
        raise ValueError(
            f'{type(model).__name__} has no semantic features: use a '
            f'SemanticFeatureEncoderDecoder config (configs/semantic_features/)'
        )
    with torch.no_grad():
        return model.extract_semantic_features(model_input(model, image_bgr))[0].cpu()


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


def feature_image(
    feats: Tensor, image_bgr: np.ndarray | None, radius: int = 5, eps: float = 1e-2
) -> Tensor:
    """Features -> (3, H, W) in [0, 1]: guided filter (when an image is given), PCA, normalise.

    Args:
        feats: (d, H, W) per-pixel features.
        image_bgr: (H, W, 3) uint8 guide, or None for no filtering (Fig. 2 (c)).
        radius, eps: guided filter window radius and regularisation (guide in [0, 1]).
    """
    if image_bgr is not None:
        if image_bgr.shape[:2] != tuple(feats.shape[1:]):
            raise ValueError(
                f'image {image_bgr.shape[:2]} and features {tuple(feats.shape[1:])} differ in size'
            )
        guide = torch.from_numpy(image_bgr[..., ::-1] / 255.0).permute(2, 0, 1)
        feats = guided_filter(guide, feats, radius, eps)
    return normalise01(pca3(feats))


def to_bgr8(x: Tensor) -> np.ndarray:
    """(3, H, W) RGB in [0, 1] -> (H, W, 3) BGR uint8, as OpenCV writes it."""
    return (x.permute(1, 2, 0).numpy()[..., ::-1] * 255).round().astype(np.uint8)
