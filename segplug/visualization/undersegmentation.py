"""Superpixel leakage pictures, like the HC paper's Fig. 10 (HCSSN and SSN side by side).

Red: the pixels each superpixel leaks outside its largest ground-truth segment
(``segplug.ops.superpixel_scores.leakage_map``, whose mean is 1 - ASA); yellow: the
superpixel boundaries.
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.segmentation import mark_boundaries

from segplug.ops.superpixel_scores import leakage_map

RED_BGR = np.array([0, 0, 255], dtype=np.float64)


def leakage_picture(
    img_bgr: np.ndarray, superpixels: np.ndarray, segments: np.ndarray, alpha: float = 0.6
) -> np.ndarray:
    """The image with superpixel boundaries (yellow) and the leaked pixels blended toward
    red by ``alpha``.

    Args:
        img_bgr: (H, W, 3) uint8 BGR image.
        superpixels: (H, W) integer superpixel ids.
        segments: (H, W) integer ground-truth segment ids (one annotator).
    Returns:
        (H, W, 3) uint8 BGR picture.
    """
    if img_bgr.shape[:2] != superpixels.shape:
        raise ValueError(
            f'image {img_bgr.shape[:2]} and superpixels {superpixels.shape} differ in size'
        )
    drawn = mark_boundaries(img_bgr[..., ::-1] / 255.0, superpixels, color=(1, 1, 0))
    out = drawn[..., ::-1] * 255.0
    leak = leakage_map(superpixels, segments)
    out[leak] = (1 - alpha) * out[leak] + alpha * RED_BGR
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def side_by_side(panels: list[tuple[str, np.ndarray]], gap: int = 8) -> np.ndarray:
    """(H, W, 3) uint8 pictures of one height in a row, each under its title.

    Returns:
        (H + 28, n W + (n - 1) gap, 3) uint8, white between and above the panels.
    """
    heights = {p.shape[0] for _, p in panels}
    if len(heights) != 1:
        raise ValueError(f'panels of different heights: {sorted(heights)}')
    h = heights.pop()
    row = []
    for i, (title, p) in enumerate(panels):
        head = np.full((28, p.shape[1], 3), 255, np.uint8)
        cv2.putText(head, title, (4, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1)
        row.append(np.concatenate([head, p], 0))
        if i < len(panels) - 1:
            row.append(np.full((h + 28, gap, 3), 255, np.uint8))
    return np.concatenate(row, 1)
