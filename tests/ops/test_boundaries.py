"""Boundary precision / recall / F within a tolerance: hand-made cases and a slow reference."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.ndimage import binary_dilation
from skimage.morphology import disk

from segplug.ops.boundaries import (
    BoundaryCounts,
    boundary_counts,
    boundary_errors,
    boundary_scores,
    label_edges,
)

TOLS = (1, 2, 3, 4, 5)


def edges_loop(labels: np.ndarray, valid: np.ndarray, cls: int | None) -> np.ndarray:
    """Edge pixels the obvious way: a pixel whose right or lower neighbour differs."""
    h, w = labels.shape
    out = np.zeros((h, w), dtype=bool)
    for y in range(h):
        for x in range(w):
            for yy, xx in ((y, x + 1), (y + 1, x)):
                if yy >= h or xx >= w or not (valid[y, x] and valid[yy, xx]):
                    continue
                a, b = labels[y, x], labels[yy, xx]
                if a != b and (cls is None or cls in (a, b)):
                    out[y, x] = True
    return out


def counts_reference(
    pred: np.ndarray, gt: np.ndarray, num_classes: int, ignore: int
) -> BoundaryCounts:
    """Counts by dilating each edge map with a disk of every radius (skimage)."""
    valid = gt != ignore
    rows = []
    for cls in list(range(num_classes)) + [None]:
        p, g = edges_loop(pred, valid, cls), edges_loop(gt, valid, cls)
        tp_p = [(p & binary_dilation(g, disk(t).astype(bool))).sum() for t in TOLS]
        tp_g = [(g & binary_dilation(p, disk(t).astype(bool))).sum() for t in TOLS]
        rows.append((p.sum(), g.sum(), tp_p, tp_g))
    return BoundaryCounts(
        np.array(TOLS, float),
        np.array([r[0] for r in rows]),
        np.array([r[1] for r in rows]),
        np.array([r[2] for r in rows]),
        np.array([r[3] for r in rows]),
    )


def test_hand_made_step_shifted_by_two() -> None:
    """GT: vertical edge after column 3; pred: the top half shifted right by 2 columns.

    GT edges: (0..7, 3) = 8. Pred edges: (0..3, 5), (3, 4), (4..7, 3) = 9.
    Distances pred -> GT: 2 (x4), 1 (x1), 0 (x4). GT -> pred: rows 4-7: 0, row 3: 1,
    row 2: sqrt(2), rows 0-1: 2. So P = 5/9, R = 5/8 at 1 pixel and P = R = 1 from 2 on.
    """
    gt = np.zeros((8, 8), np.int64)
    gt[:, 4:] = 1
    pred = gt.copy()
    pred[:4, 4:6] = 0
    counts = boundary_counts(pred, gt, num_classes=2, tolerances=TOLS)
    np.testing.assert_array_equal(counts.n_pred, [9, 9, 9])
    np.testing.assert_array_equal(counts.n_gt, [8, 8, 8])
    s = boundary_scores(counts)
    p1, r1 = 5 / 9, 5 / 8
    for row in range(3):  # class 0, class 1 and all: the same edges here
        np.testing.assert_allclose(s['precision'][row], [p1, 1, 1, 1, 1])
        np.testing.assert_allclose(s['recall'][row], [r1, 1, 1, 1, 1])
        np.testing.assert_allclose(s['fscore'][row], [2 * p1 * r1 / (p1 + r1), 1, 1, 1, 1])
        # true edges 5, false edges 4 (pred) + 3 (gt) at 1 pixel; nothing false after
        np.testing.assert_allclose(
            s['performance_ratio'][row], [5 / 7, np.inf, np.inf, np.inf, np.inf]
        )


def test_three_classes_and_ignore() -> None:
    """A class present in one map only, a class absent from both, and an ignored band."""
    gt = np.zeros((6, 9), np.int64)
    gt[:, 3:] = 1
    gt[:, 6:] = 255  # ignored: edge 1|255 is unknown
    pred = np.zeros((6, 9), np.int64)
    pred[:, 3:] = 1
    pred[2:4, 1] = 2  # a blob of class 2 gt does not have
    pred[:, 7] = 0  # inside the ignored band: not counted
    counts = boundary_counts(pred, gt, num_classes=4, tolerances=(1, 2))
    # gt edges: column 2 (6 px) for classes 0, 1, all
    np.testing.assert_array_equal(counts.n_gt, [6, 6, 0, 0, 6])
    # class 2 blob: pixels (1,1), (2,0), (3,0), (2,1), (3,1) carry edges with class 2
    np.testing.assert_array_equal(counts.n_pred, [11, 6, 5, 0, 11])
    s = boundary_scores(counts)
    assert np.all(s['fscore'][2] == 0)  # predicted only: every edge false
    assert np.isnan(s['recall'][2]).all()
    assert np.all(s['precision'][2] == 0)
    assert np.isnan(s['fscore'][3]).all()  # absent: excluded from class means
    assert np.isnan(s['performance_ratio'][3]).all()
    np.testing.assert_allclose(s['fscore'][1], 1)
    np.testing.assert_allclose(s['recall'][0], 1)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_matches_dilation_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w, c = 23, 31, 4

    def blobs() -> np.ndarray:  # piecewise-constant maps with odd sizes, like predictions
        small = rng.integers(0, c, (5, 7))
        return cv2.resize(small.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)

    gt, pred = blobs().astype(np.int64), blobs().astype(np.int64)
    gt[rng.random((h, w)) < 0.05] = 255
    gt[:4, :5] = 255
    got = boundary_counts(pred, gt, c, TOLS)
    ref = counts_reference(pred, gt, c, 255)
    for name in ('n_pred', 'n_gt', 'tp_pred', 'tp_gt'):
        np.testing.assert_array_equal(getattr(got, name), getattr(ref, name), err_msg=name)


def test_shifted_real_mask_f_rises_with_tolerance(demo_data: Path) -> None:
    gt = cv2.imread(str(demo_data / 'labels/val/0016E5_07959.png'), cv2.IMREAD_UNCHANGED).astype(
        np.int64
    )
    gt[gt == 11] = 255
    pred = np.where(gt == 255, 0, gt)
    pred = np.pad(pred, ((0, 0), (3, 0)), mode='edge')[:, :-3]  # 3 pixels to the right
    s = boundary_scores(boundary_counts(pred, gt, 11, TOLS))
    f = s['fscore'][-1]
    assert np.all(np.diff(f) >= 0), f
    assert f[0] < 0.6 and f[2] > 0.9, f  # vertical edges move 3 px: found from t = 3
    assert np.all(np.diff(s['performance_ratio'][-1]) > 0)
    same = boundary_scores(boundary_counts(np.where(gt == 255, 0, gt), gt, 11, TOLS))
    np.testing.assert_allclose(same['fscore'][-1], 1)


def test_counts_add_over_images() -> None:
    a = np.zeros((5, 5), np.int64)
    b = a.copy()
    b[2:, 2:] = 1
    one = boundary_counts(b, a, 2)
    two = BoundaryCounts.total([one, one])
    np.testing.assert_array_equal(two.n_pred, 2 * one.n_pred)
    assert np.all(boundary_scores(two)['fscore'][:, 0] == 0)  # gt has no edge: F = 0


def test_boundary_errors_partition_edges() -> None:
    gt = np.zeros((8, 8), np.int64)
    gt[:, 4:] = 1
    pred = gt.copy()
    pred[:4, 4:6] = 0
    true, false, missed = boundary_errors(pred, gt, tolerance=1)
    assert true.sum() == 5 and false.sum() == 4 and missed.sum() == 3
    np.testing.assert_array_equal(true | false, label_edges(pred))


@pytest.mark.parametrize('tols', [(), (-1,), (1, float('nan')), ('2',)])
def test_bad_tolerances(tols: tuple) -> None:
    with pytest.raises(ValueError, match='tolerance'):
        boundary_counts(np.zeros((4, 4), int), np.zeros((4, 4), int), 2, tols)


def test_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r'\(4, 4\).*\(4, 5\)'):
        boundary_counts(np.zeros((4, 4), int), np.zeros((4, 5), int), 2)
