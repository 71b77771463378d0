"""Superpixel quality against a ground-truth segmentation (numpy; no registry).

The measures of the superpixel benchmarks (Achanta et al., SLIC, TPAMI 2012; Neubert and
Protzel, 2012; Stutz et al., CVIU 2018), for one superpixel map against one annotator's
segmentation of the same image:

* **ASA**, achievable segmentation accuracy: the pixel accuracy of the best labelling of the
  superpixels with ground-truth segments, ``sum_s max_g |s & g| / N``.
* **Boundary recall / precision** within a pixel tolerance: the share of ground-truth boundary
  pixels with a superpixel boundary pixel within that distance, and the reverse. Boundaries
  of both maps use one definition (``segplug.ops.boundaries.label_edges``), so a superpixel
  map equal to the ground truth scores 1 on both. The literature's protocol (Stutz et al.'s
  benchmark; SEAL's evaluation, used by SSN) is ``two_sided=True, window='square'`` at 1
  pixel: a pixel is a boundary pixel when a 4-neighbour differs, matched within the
  (2r+1)^2 window, r = 0.0025 x diagonal rounded (1 px on BSDS500's 481 x 321 images, whose
  diagonal is 578 px). The functions' defaults (one-sided edges, Euclidean distance) are
  segplug's boundary-metric convention; ``SuperpixelMetric`` defaults to the literature's.
* **Undersegmentation error** in Neubert and Protzel's form, which needs no overlap
  threshold: ``sum_g sum_{s & g != 0} min(|s & g|, |s - g|) / N``; 0 is perfect.
* **Number of superpixels**: distinct ids in the map.

BSDS500 has 5-7 annotators per image; ``superpixel_scores_multi`` scores against each and
averages, as Stutz et al.'s benchmark does.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .boundaries import _EPS, check_tolerances, check_window, distance_to_edges, label_edges


def contingency(superpixels: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Overlap counts of every superpixel with every ground-truth segment.

    Args:
        superpixels: (H, W) integer superpixel ids (any values).
        segments: (H, W) integer ground-truth segment ids (any values).
    Returns:
        (S, G) int64 matrix, ``[i, j]`` = pixels of the i-th superpixel id in the j-th
        segment id (ids in increasing order).
    """
    return _overlap(*_dense_ids(superpixels, segments))


def _dense_ids(superpixels: np.ndarray, segments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both maps' ids as 0..n-1 in increasing id order, flattened: (H W,) and (H W,)."""
    if superpixels.shape != segments.shape or superpixels.ndim != 2:
        raise ValueError(
            f'superpixels {superpixels.shape} and ground truth {segments.shape} '
            f'must be (H, W) maps of one size'
        )
    _, s = np.unique(superpixels.ravel(), return_inverse=True)
    _, g = np.unique(segments.ravel(), return_inverse=True)
    return s.ravel(), g.ravel()


def _overlap(s: np.ndarray, g: np.ndarray) -> np.ndarray:
    """(S, G) counts of dense superpixel ids ``s`` against dense segment ids ``g``."""
    n_s, n_g = s.max() + 1, g.max() + 1
    return np.bincount(s * n_g + g, minlength=n_s * n_g).reshape(n_s, n_g)


def achievable_segmentation_accuracy(overlap: np.ndarray) -> float:
    """ASA from an (S, G) contingency matrix: each superpixel takes its best segment."""
    return float(overlap.max(1).sum() / overlap.sum())


def undersegmentation_error(overlap: np.ndarray) -> float:
    """Neubert-Protzel undersegmentation error from an (S, G) contingency matrix."""
    size = overlap.sum(1, keepdims=True)
    leak = np.minimum(overlap, size - overlap)  # zero where a superpixel misses a segment
    return float(leak.sum() / overlap.sum())


def leakage_map(superpixels: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """The pixels a superpixel leaks: those outside its largest ground-truth segment.

    Its mean is ``1 - ASA`` exactly (ties go to the segment of the lower id, as ``argmax``);
    the HC paper's Fig. 10 draws such regions for Neubert-Protzel's undersegmentation error,
    which "resembles 1 - ASA" but counts, per segment, the smaller side of each superpixel
    (so a pixel can count more than once and the error has no one-bit map).

    Args:
        superpixels: (H, W) integer superpixel ids.
        segments: (H, W) integer ground-truth segment ids.
    Returns:
        (H, W) bool, True where the pixel's segment is not its superpixel's best.
    """
    s, g = _dense_ids(superpixels, segments)
    return (_overlap(s, g).argmax(1)[s] != g).reshape(superpixels.shape)


def boundary_recall_precision(
    superpixels: np.ndarray,
    segments: np.ndarray,
    tolerance: float = 2,
    two_sided: bool = False,
    window: str = 'disk',
) -> tuple[float, float]:
    """Boundary recall and precision of superpixels (H, W) against segments (H, W).

    ``two_sided`` and ``window`` as in ``segplug.ops.boundaries.boundary_counts``. Recall is
    NaN when the ground truth has no boundary, precision NaN when the superpixel map has
    none (one superpixel).
    """
    (tol,) = check_tolerances(tolerance, 'tolerance')
    check_window(window)
    sp_edges = label_edges(superpixels, two_sided=two_sided)
    gt_edges = label_edges(segments, two_sided=two_sided)
    n_sp, n_gt = sp_edges.sum(), gt_edges.sum()
    recall = (
        (distance_to_edges(sp_edges, window)[gt_edges] <= tol + _EPS).sum() / n_gt
        if n_gt
        else np.nan
    )
    precision = (
        (distance_to_edges(gt_edges, window)[sp_edges] <= tol + _EPS).sum() / n_sp
        if n_sp
        else np.nan
    )
    return float(recall), float(precision)


def superpixel_scores(
    superpixels: np.ndarray,
    segments: np.ndarray,
    tolerance: float = 2,
    two_sided: bool = False,
    window: str = 'disk',
) -> dict[str, float]:
    """All measures of one superpixel map (H, W) against one segmentation (H, W).

    Returns:
        dict ``asa``, ``boundary_recall``, ``boundary_precision``,
        ``undersegmentation_error``, ``n_superpixels``.
    """
    overlap = contingency(superpixels, segments)
    recall, precision = boundary_recall_precision(
        superpixels, segments, tolerance, two_sided, window
    )
    return dict(
        asa=achievable_segmentation_accuracy(overlap),
        boundary_recall=recall,
        boundary_precision=precision,
        undersegmentation_error=undersegmentation_error(overlap),
        n_superpixels=float(overlap.shape[0]),
    )


def superpixel_scores_multi(
    superpixels: np.ndarray,
    annotations: Sequence[np.ndarray],
    tolerance: float = 2,
    two_sided: bool = False,
    window: str = 'disk',
) -> dict[str, float]:
    """``superpixel_scores`` against every annotator (K of (H, W)), averaged over them."""
    if len(annotations) == 0:
        raise ValueError('no ground-truth segmentation given (0 annotators)')
    per = [superpixel_scores(superpixels, seg, tolerance, two_sided, window) for seg in annotations]
    return {k: float(np.nanmean([p[k] for p in per])) for k in per[0]}
