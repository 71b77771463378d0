"""Connectivity enforcement of superpixel label maps (SLIC's post-processing, as SSN and the
superpixel FCN apply it at test time): numpy and scikit-image, on CPU."""

from __future__ import annotations

import numpy as np
from skimage.segmentation._slic import _enforce_label_connectivity_cython


def enforce_connectivity(
    labels: np.ndarray, num_superpixels: int, min_ratio: float = 0.06, max_ratio: float = 3.0
) -> np.ndarray:
    """Relabel superpixels into connected segments; merge those under ``min_ratio`` of the
    mean segment size into a neighbour (SSN's and Yang et al.'s settings: 0.06 and 3).

    Args:
        labels: (H, W) non-negative integer superpixel ids.
        num_superpixels: the intended number K; the mean segment size is H W / K.
    Returns:
        (H, W) intp ids from 0, every segment 4-connected (scikit-image's scan may give a
        segment under the minimum size at the image's first pixel to a non-adjacent one).
    """
    if labels.ndim != 2:
        raise ValueError(f'labels must be (H, W), got shape {labels.shape}')
    if labels.size and labels.min() < 0:
        raise ValueError(f'labels must be non-negative ids, got a minimum of {labels.min()}')
    size = labels.size / max(int(num_superpixels), 1)
    out = _enforce_label_connectivity_cython(
        np.ascontiguousarray(labels[None].astype(np.intp)),
        int(min_ratio * size),
        int(max_ratio * size),
        # scikit-image marks unvisited pixels start_label - 1: with start_label=1 a segment
        # of id 0 reads as unvisited and small segments next to it are not merged
        start_label=0,
    )
    return out[0]
