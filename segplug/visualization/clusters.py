"""HC's clusters as a picture: cluster ids of one image (HC paper, Fig. 3)."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from segplug.ops import cluster_labels

from .inputs import model_input


def clusters_of(model: torch.nn.Module, image_bgr: np.ndarray) -> np.ndarray:
    """Cluster ids (H, W) of one BGR image, upsampled (nearest) to the image size."""
    with torch.no_grad():
        feats = model.backbone(model_input(model, image_bgr))
    if not getattr(feats, 'assignments', None):
        raise ValueError('this model has no HC clustering (backbone returned no assignments)')
    coarse = feats.assignments[0]
    # one cluster per cell of the coarsest grid (a floor-sized seed map's missing cells are
    # never an argmax, so their ids simply do not occur)
    seeds = ((coarse.shape[-2] + 1) // 2, (coarse.shape[-1] + 1) // 2)
    labels = cluster_labels(feats.assignments, seeds)[0].cpu().numpy().astype(np.int32)
    h, w = image_bgr.shape[:2]
    return cv2.resize(labels, (w, h), interpolation=cv2.INTER_NEAREST)
