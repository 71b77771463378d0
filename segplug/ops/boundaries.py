"""Boundaries of label maps and their precision / recall within a pixel tolerance.

The edge evaluation of the TI paper (``ti_logit_consistency_joint_superpixels.txt``, Sec. 4.2
and Fig. 8): boundaries of the prediction and of the ground truth, the ground-truth edges
widened to a tolerance of 1..5 pixels, precision P, recall R, F-measure 2RP/(R+P) and the
performance ratio (true edges / false edges). The TI paper does not say how edges are drawn
or matched; the references differ, so both choices are options (``EDGE_CONVENTIONS``), and
Boundary IoU (Cheng et al., CVPR 2021) is ``boundary_iou_counts``.

Definitions used throughout (numpy in, numpy out; no registry):

* **Edge pixels** (``two_sided=False``, the default). Pixel ``p`` is an edge pixel of a label
  map when its right or its lower neighbour has another label. A boundary between two
  regions is then one pixel thick and lies on the same pixels in prediction and ground
  truth when they agree, so a perfect prediction scores P = R = 1 at any tolerance.
  ``two_sided=True`` marks both pixels of every differing pair (a pixel is an edge when any
  of its 4 neighbours differs): the 2-pixel-thick boundaries of the BSDS / Stutz et al.
  superpixel benchmarks.
* **Edges of class c** are the edge pixels whose differing pair (``p`` and its right or lower
  neighbour) contains a pixel of class ``c``; equivalently the edges of the mask
  ``labels == c``. Each class boundary is counted once for each of the two classes.
* **Ignore.** A pixel pair is only compared when both of its pixels are labelled in the
  ground truth, and the same pairs are used for the prediction: an edge with an ignored
  pixel on either side is unknown, and predicted edges inside ignored regions are not
  counted (nor are the edges of the ignored region itself).
* **Tolerance d** (``window='disk'``, the default). A predicted edge pixel is *true* when a
  ground-truth edge pixel (of the same class) lies within Euclidean distance ``d``; a
  ground-truth edge pixel is *recalled* when a predicted edge pixel lies within ``d``. This
  equals dilating the other edge map with the disk ``skimage.morphology.disk(d)``.
  ``window='square'`` matches within the (2d+1) x (2d+1) square instead (chessboard
  distance), as the BSDS / Stutz benchmarks search their window. Distances come from
  OpenCV's exact distance transforms, one per edge map, which serve every tolerance at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
from scipy import ndimage

# distances of exact transforms are square roots of integers: an integer tolerance t is never
# closer than 1/(2t+1) to another distance, so this margin only absorbs float32 rounding
_EPS = 1e-3


def check_tolerances(tolerances: Sequence[float], name: str = 'tolerances') -> tuple:
    """Validate pixel tolerances: a non-empty sequence of finite numbers >= 0."""
    if isinstance(tolerances, (int, float)):
        tolerances = (tolerances,)
    tols = tuple(tolerances)
    if not tols:
        raise ValueError(f'{name} is empty: give at least one pixel tolerance, e.g. (1, 2, 3)')
    for t in tols:
        if (
            isinstance(t, bool)
            or not isinstance(t, (int, float, np.integer, np.floating))
            or not np.isfinite(t)
            or t < 0
        ):
            raise ValueError(f'{name} must be finite numbers >= 0 (pixels), got {tolerances!r}')
    return tols


def _check_pair(pred: np.ndarray, gt: np.ndarray) -> None:
    if pred.ndim != 2 or gt.ndim != 2:
        raise ValueError(
            f'label maps must be 2-D (H, W), got prediction {pred.shape} and '
            f'ground truth {gt.shape}'
        )
    if pred.shape != gt.shape:
        raise ValueError(f'prediction {pred.shape} and ground truth {gt.shape} differ in size')


EDGE_CONVENTIONS = {
    # name: (two_sided, window, tolerance unit)
    'segplug': (False, 'disk', 'px'),  # the default: thin edges, Euclidean tolerance
    'bsds': (True, 'square', 'px'),  # BSDS / Stutz et al. benchmarks
    'gscnn': (False, 'disk', 'diagonal'),  # GSCNN-style boundary F: tolerance x diagonal
}
WINDOWS = ('disk', 'square')


def label_edges(
    labels: np.ndarray,
    valid: np.ndarray | None = None,
    cls: int | None = None,
    two_sided: bool = False,
) -> np.ndarray:
    """Edge pixels of a label map (module docstring: right/lower neighbour differs).

    Args:
        labels: (H, W) integer labels.
        valid: optional (H, W) bool; pixel pairs with an invalid pixel are no edge.
        cls: if given, only edges between class ``cls`` and another label.
        two_sided: mark both pixels of a differing pair (any 4-neighbour differs), not only
            the upper / left one.
    Returns:
        (H, W) bool edge map.
    """
    edges = np.zeros(labels.shape, dtype=bool)
    for axis in (0, 1):
        a = labels[:-1] if axis == 0 else labels[:, :-1]
        b = labels[1:] if axis == 0 else labels[:, 1:]
        diff = a != b
        if cls is not None:
            diff &= (a == cls) | (b == cls)
        if valid is not None:
            va = valid[:-1] if axis == 0 else valid[:, :-1]
            vb = valid[1:] if axis == 0 else valid[:, 1:]
            diff &= va & vb
        if axis == 0:
            edges[:-1] |= diff
            if two_sided:
                edges[1:] |= diff
        else:
            edges[:, :-1] |= diff
            if two_sided:
                edges[:, 1:] |= diff
    return edges


def check_window(window: str) -> str:
    if window not in WINDOWS:
        raise ValueError(f'window must be one of {WINDOWS}, got {window!r}')
    return window


def distance_to_edges(edges: np.ndarray, window: str = 'disk') -> np.ndarray:
    """Exact distance (H, W) float32 of every pixel to the nearest edge pixel.

    Euclidean for ``window='disk'``, chessboard (max of |dy|, |dx|) for ``'square'``;
    ``inf`` everywhere when ``edges`` (H, W) bool has no edge pixel.
    """
    check_window(window)
    if not edges.any():
        return np.full(edges.shape, np.inf, dtype=np.float32)
    # OpenCV measures the distance to the nearest zero pixel
    if window == 'square':
        return cv2.distanceTransform((~edges).astype(np.uint8), cv2.DIST_C, 3)
    return cv2.distanceTransform((~edges).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def _matched(edges: np.ndarray, dist_to_other: np.ndarray, tols: np.ndarray) -> np.ndarray:
    """(T,) number of ``edges`` pixels within each tolerance of the other edge map."""
    d = dist_to_other[edges]
    return (d[:, None] <= tols[None] + _EPS).sum(0)


@dataclass
class BoundaryCounts:
    """Edge pixel counts of one image (or summed over images); they add up over images.

    Rows 0..C-1 are classes, row C is the class-agnostic boundary ("all").

    Attributes:
        tolerances: (T,) pixel tolerances.
        n_pred: (C+1,) predicted edge pixels.
        n_gt: (C+1,) ground-truth edge pixels.
        tp_pred: (C+1, T) predicted edge pixels within tolerance of a ground-truth edge.
        tp_gt: (C+1, T) ground-truth edge pixels within tolerance of a predicted edge.
    """

    tolerances: np.ndarray
    n_pred: np.ndarray
    n_gt: np.ndarray
    tp_pred: np.ndarray
    tp_gt: np.ndarray

    def __add__(self, other: 'BoundaryCounts') -> 'BoundaryCounts':
        if not np.array_equal(self.tolerances, other.tolerances):
            raise ValueError(
                f'cannot add counts at tolerances {self.tolerances} and {other.tolerances}'
            )
        return BoundaryCounts(
            self.tolerances,
            self.n_pred + other.n_pred,
            self.n_gt + other.n_gt,
            self.tp_pred + other.tp_pred,
            self.tp_gt + other.tp_gt,
        )

    @classmethod
    def total(cls, counts: Sequence['BoundaryCounts']) -> 'BoundaryCounts':
        if not counts:
            raise ValueError('no boundary counts to add (no image was evaluated)')
        out = counts[0]
        for c in counts[1:]:
            out = out + c
        return out


def boundary_counts(
    pred: np.ndarray,
    gt: np.ndarray,
    num_classes: int,
    tolerances: Sequence[float] = (1, 2, 3, 4, 5),
    ignore_index: int | None = 255,
    two_sided: bool = False,
    window: str = 'disk',
) -> BoundaryCounts:
    """Per-class and overall edge counts of one prediction against its ground truth.

    Args:
        pred: (H, W) predicted class ids in [0, num_classes).
        gt: (H, W) ground-truth class ids; ``ignore_index`` marks unlabelled pixels.
        num_classes: C.
        tolerances: (T,) pixel tolerances (Euclidean distance <= t matches).
        ignore_index: unlabelled value of ``gt``, or None.
        two_sided: edge pixels on both sides of a boundary (``label_edges``).
        window: ``'disk'`` (Euclidean tolerance) or ``'square'`` (chessboard).
    Returns:
        ``BoundaryCounts`` with (C+1,) / (C+1, T) arrays (row C: all classes together).
    """
    _check_pair(pred, gt)
    check_window(window)
    tols = np.asarray(check_tolerances(tolerances), dtype=np.float64)
    valid = None if ignore_index is None else gt != ignore_index
    if valid is not None and valid.all():
        valid = None
    n_pred = np.zeros(num_classes + 1, dtype=np.int64)
    n_gt = np.zeros_like(n_pred)
    tp_pred = np.zeros((num_classes + 1, len(tols)), dtype=np.int64)
    tp_gt = np.zeros_like(tp_pred)

    def count(row: int, p_edges: np.ndarray, g_edges: np.ndarray) -> None:
        n_pred[row] = p_edges.sum()
        n_gt[row] = g_edges.sum()
        if n_pred[row] and n_gt[row]:
            tp_pred[row] = _matched(p_edges, distance_to_edges(g_edges, window), tols)
            tp_gt[row] = _matched(g_edges, distance_to_edges(p_edges, window), tols)

    count(
        num_classes,
        label_edges(pred, valid, two_sided=two_sided),
        label_edges(gt, valid, two_sided=two_sided),
    )

    # Each class is evaluated inside the bounding box of its pixels in either map, grown by
    # one pixel on every side (an edge may sit on the pixel before a class pixel, and a class
    # pixel's edge needs its right/lower neighbour): all of the class's edges and the pairs
    # that make them lie there, so distances inside the box are exact and small classes
    # cost little.
    # find_objects gives every class's box in one pass (labels shifted so 0 is a class).
    p_boxes = ndimage.find_objects(_shift_ids(pred, num_classes), max_label=num_classes)
    g_boxes = ndimage.find_objects(_shift_ids(gt, num_classes), max_label=num_classes)
    for c in range(num_classes):
        box = _union_box(p_boxes[c], g_boxes[c])
        if box is None:
            continue
        p, g = pred[box], gt[box]
        v = None if valid is None else valid[box]
        count(c, label_edges(p, v, c, two_sided), label_edges(g, v, c, two_sided))
    return BoundaryCounts(tols, n_pred, n_gt, tp_pred, tp_gt)


def mask_boundary(mask: np.ndarray, d: int) -> np.ndarray:
    """Inner boundary band of a mask (Cheng et al., Boundary IoU, CVPR 2021, Sec. 3).

    The mask pixels within chessboard distance ``d`` of a pixel outside it, the image border
    counting as outside: the reference's ``mask - erode(pad(mask), 3x3, d times)``.

    Args:
        mask: (H, W) bool.
        d: band width in pixels (>= 1).
    Returns:
        (H, W) bool band.
    """
    padded = np.pad(mask, 1).astype(np.uint8)
    dist = cv2.distanceTransform(padded, cv2.DIST_C, 3)[1:-1, 1:-1]
    return mask & (dist <= d)


def boundary_iou_width(shape: tuple[int, int], dilation_ratio: float = 0.02) -> int:
    """Boundary IoU's d: ``dilation_ratio`` of the image diagonal, rounded, at least 1."""
    return max(1, int(round(dilation_ratio * float(np.hypot(*shape)))))


def boundary_iou_counts(
    pred: np.ndarray,
    gt: np.ndarray,
    num_classes: int,
    dilation_ratio: float = 0.02,
    ignore_index: int | None = 255,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-class Boundary IoU intersection and union of one image (Cheng et al., Eq. 2).

    For class c: ``G_d`` and ``P_d`` are the inner boundary bands (``mask_boundary``, width
    d = ``dilation_ratio`` x diagonal) of the ground-truth and predicted masks; the counts are
    ``|G_d & P_d|`` and ``|G_d | P_d|`` over labelled pixels. Summed over images, their
    ratio is the class's Boundary IoU (as IoUMetric sums areas).

    Args:
        pred: (H, W) predicted class ids; gt: (H, W) ground truth (``ignore_index`` unlabelled).
        num_classes: C.
        dilation_ratio: band width relative to the image diagonal (0.02 in the paper).
    Returns:
        (C,) int64 intersections and (C,) int64 unions.
    """
    _check_pair(pred, gt)
    if not (np.isfinite(dilation_ratio) and dilation_ratio > 0):
        raise ValueError(f'dilation_ratio must be > 0, got {dilation_ratio!r}')
    d = boundary_iou_width(gt.shape, dilation_ratio)
    valid = np.ones(gt.shape, bool) if ignore_index is None else gt != ignore_index
    inter = np.zeros(num_classes, dtype=np.int64)
    union = np.zeros(num_classes, dtype=np.int64)
    for c in np.union1d(np.unique(pred[valid]), np.unique(gt[valid])):
        if not 0 <= c < num_classes:
            continue
        g = mask_boundary(gt == c, d) & valid
        p = mask_boundary(pred == c, d) & valid
        inter[c] = (g & p).sum()
        union[c] = (g | p).sum()
    return inter, union


def _shift_ids(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Labels + 1 with out-of-range ids (ignore) set to 0, the background of find_objects."""
    out = labels.astype(np.int32) + 1
    out[(labels < 0) | (labels >= num_classes)] = 0
    return out


def _union_box(a: tuple | None, b: tuple | None) -> tuple | None:
    boxes = [x for x in (a, b) if x is not None]
    if not boxes:
        return None
    y0 = max(min(x[0].start for x in boxes) - 1, 0)
    x0 = max(min(x[1].start for x in boxes) - 1, 0)
    y1 = max(x[0].stop for x in boxes) + 1  # slicing clips at the image border
    x1 = max(x[1].stop for x in boxes) + 1
    return slice(y0, y1), slice(x0, x1)


def boundary_scores(counts: BoundaryCounts) -> dict[str, np.ndarray]:
    """Precision, recall, F-measure and performance ratio from (summed) counts.

    Args:
        counts: ``BoundaryCounts`` with (C+1,) / (C+1, T) arrays.
    Returns:
        dict of (C+1, T) float arrays ``precision``, ``recall``, ``fscore`` and
        ``performance_ratio``. Conventions (chosen so means are not inflated):
        P is NaN without predicted edges, R is NaN without ground-truth edges; F = 2PR/(P+R),
        F = 0 when only one side has edges (every edge there is wrong) or P = R = 0, and
        F = NaN when neither side has any edge (the class does not occur: excluded from
        class means, as IoU does). The performance ratio is true edges / false edges
        (matched predicted edges over unmatched predicted plus unmatched ground-truth
        edges), ``inf`` when nothing is false, NaN without edges on either side.
    """
    n_pred = counts.n_pred[:, None].astype(np.float64)
    n_gt = counts.n_gt[:, None].astype(np.float64)
    tp_pred = counts.tp_pred.astype(np.float64)
    tp_gt = counts.tp_gt.astype(np.float64)
    with np.errstate(divide='ignore', invalid='ignore'):
        precision = np.where(n_pred > 0, tp_pred / n_pred, np.nan)
        recall = np.where(n_gt > 0, tp_gt / n_gt, np.nan)
        f = 2 * precision * recall / (precision + recall)
        f = np.where(precision + recall == 0, 0.0, f)
        one_sided = (n_pred > 0) != (n_gt > 0)
        f = np.where(one_sided, 0.0, f)
        false_edges = (n_pred - tp_pred) + (n_gt - tp_gt)
        ratio = np.where(false_edges > 0, tp_pred / false_edges, np.inf)
        ratio = np.where((n_pred == 0) & (n_gt == 0), np.nan, ratio)
    f = np.broadcast_to(f, precision.shape).copy()
    return dict(precision=precision, recall=recall, fscore=f, performance_ratio=ratio)


def boundary_errors(
    pred: np.ndarray, gt: np.ndarray, tolerance: float = 2, ignore_index: int | None = 255
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class-agnostic boundary errors of one image, for pictures.

    Args:
        pred: (H, W) predicted labels.
        gt: (H, W) ground-truth labels (``ignore_index`` = unlabelled).
        tolerance: pixel tolerance.
    Returns:
        three (H, W) bool maps: ``true`` predicted edges (a ground-truth edge within
        tolerance), ``false`` predicted edges (none within tolerance) and ``missed``
        ground-truth edges (no predicted edge within tolerance).
    """
    _check_pair(pred, gt)
    (tol,) = check_tolerances(tolerance, 'tolerance')
    valid = None if ignore_index is None else gt != ignore_index
    p_edges, g_edges = label_edges(pred, valid), label_edges(gt, valid)
    near_gt = distance_to_edges(g_edges) <= tol + _EPS
    near_pred = distance_to_edges(p_edges) <= tol + _EPS
    return p_edges & near_gt, p_edges & ~near_gt, g_edges & ~near_pred
