"""Superpixel measures: known answers, and SLIC on real BSDS500 against an independent count."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio
from scipy.spatial import cKDTree
from skimage.io import imread
from skimage.segmentation import slic

from segplug.ops.superpixel_scores import (
    boundary_recall_precision,
    contingency,
    leakage_map,
    superpixel_scores,
    superpixel_scores_multi,
)


def bsds_annotations(path: Path) -> list[np.ndarray]:
    gt = sio.loadmat(str(path))['groundTruth']
    return [gt[0, k]['Segmentation'][0, 0].astype(np.int64) for k in range(gt.shape[1])]


def edges_loop(labels: np.ndarray) -> np.ndarray:
    h, w = labels.shape
    out = np.zeros((h, w), bool)
    for y in range(h):
        for x in range(w):
            if (x + 1 < w and labels[y, x] != labels[y, x + 1]) or (
                y + 1 < h and labels[y, x] != labels[y + 1, x]
            ):
                out[y, x] = True
    return out


def scores_reference(sp: np.ndarray, seg: np.ndarray, tol: float) -> dict[str, float]:
    """The measures the slow, obvious way: loops over superpixels, k-d tree distances."""
    n = sp.size
    asa = ue = 0
    for s in np.unique(sp):
        inside = seg[sp == s]
        overlaps = Counter(inside.tolist())
        asa += max(overlaps.values())
        ue += sum(min(v, inside.size - v) for v in overlaps.values())
    e_sp, e_gt = edges_loop(sp), edges_loop(seg)
    p_sp, p_gt = np.argwhere(e_sp), np.argwhere(e_gt)
    d_gt, _ = cKDTree(p_sp).query(p_gt)  # each gt edge pixel to its nearest sp edge pixel
    d_sp, _ = cKDTree(p_gt).query(p_sp)
    return dict(
        asa=asa / n,
        undersegmentation_error=ue / n,
        boundary_recall=float(np.mean(d_gt <= tol)),
        boundary_precision=float(np.mean(d_sp <= tol)),
        n_superpixels=float(len(np.unique(sp))),
    )


def test_superpixels_equal_to_ground_truth_score_perfectly() -> None:
    seg = np.zeros((20, 30), np.int64)
    seg[5:12, 4:20] = 7
    seg[:, 25:] = 3
    s = superpixel_scores(seg * 10 + 1, seg, tolerance=0)  # other ids, same regions
    assert s['asa'] == 1 and s['boundary_recall'] == 1 and s['boundary_precision'] == 1
    assert s['undersegmentation_error'] == 0 and s['n_superpixels'] == 3


def test_one_superpixel_over_two_halves() -> None:
    seg = np.zeros((10, 10), np.int64)
    seg[:, 5:] = 1
    s = superpixel_scores(np.zeros_like(seg), seg)
    # best label covers half the pixels; each half leaks its size into the other
    assert s['asa'] == 0.5 and s['undersegmentation_error'] == 1.0
    assert s['boundary_recall'] == 0 and np.isnan(s['boundary_precision'])


def test_contingency_counts() -> None:
    sp = np.array([[5, 5, 9], [5, 9, 9]])
    seg = np.array([[1, 2, 2], [1, 1, 2]])
    np.testing.assert_array_equal(contingency(sp, seg), [[2, 1], [1, 2]])


def test_slic_on_bsds500_matches_independent_computation(test_data: Path) -> None:
    stem = '101085'
    img = imread(test_data / f'bsds500/images/val/{stem}.jpg')
    annotations = bsds_annotations(test_data / f'bsds500/groundTruth/val/{stem}.mat')
    assert len(annotations) >= 5 and annotations[0].shape == img.shape[:2]
    sp = slic(img, n_segments=200, compactness=10, start_label=1)
    tol = 2
    per = []
    for seg in annotations[:2]:  # two annotators keep the loop reference fast
        got = superpixel_scores(sp, seg, tol)
        ref = scores_reference(sp, seg, tol)
        for k in ref:
            assert got[k] == pytest.approx(ref[k], abs=1e-12), k
        per.append(got)
    both = superpixel_scores_multi(sp, annotations[:2], tol)
    for k in both:
        assert both[k] == pytest.approx((per[0][k] + per[1][k]) / 2)
    assert 0.5 < both['asa'] < 1 and 0 < both['boundary_recall'] < 1


def test_recall_rises_with_tolerance(test_data: Path) -> None:
    img = imread(test_data / 'bsds500/images/val/101085.jpg')
    seg = bsds_annotations(test_data / 'bsds500/groundTruth/val/101085.mat')[0]
    sp = slic(img, n_segments=100, start_label=1)
    recalls = [boundary_recall_precision(sp, seg, t)[0] for t in (0, 1, 2, 4)]
    assert all(b >= a for a, b in zip(recalls, recalls[1:])) and recalls[-1] > recalls[0]


def test_bad_input() -> None:
    with pytest.raises(ValueError, match=r'\(3, 3\).*\(3, 4\)'):
        superpixel_scores(np.zeros((3, 3), int), np.zeros((3, 4), int))
    with pytest.raises(ValueError, match='tolerance'):
        superpixel_scores(np.zeros((3, 3), int), np.zeros((3, 3), int), tolerance=-2)
    with pytest.raises(ValueError, match='annotators'):
        superpixel_scores_multi(np.zeros((3, 3), int), [])


def leakage_reference(sp: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Per superpixel, its largest segment (the lowest id on a tie); every other pixel leaks."""
    out = np.zeros(sp.shape, bool)
    for s in np.unique(sp):
        inside = sp == s
        counts = Counter(seg[inside].tolist())
        best = min(counts, key=lambda g: (-counts[g], g))
        out |= inside & (seg != best)
    return out


def test_leakage_map_by_hand_and_ties() -> None:
    sp = np.array([[0, 0, 0, 5], [0, 0, 5, 5]])
    seg = np.array([[7, 7, 2, 2], [7, 2, 7, 7]])
    # superpixel 0: 7 x3, 2 x2 -> the two 2s leak; superpixel 5: 2 x1, 7 x2 -> the 2 leaks
    want = np.array([[False, False, True, True], [False, True, False, False]])
    np.testing.assert_array_equal(leakage_map(sp, seg), want)
    # a tie (one pixel of each) goes to the lower segment id
    np.testing.assert_array_equal(
        leakage_map(np.zeros((1, 2), int), np.array([[9, 4]])), [[True, False]]
    )


def test_leakage_map_matches_loops_and_one_minus_asa(test_data: Path) -> None:
    stem = '101087'
    img = imread(test_data / f'bsds500/images/val/{stem}.jpg')
    seg = bsds_annotations(test_data / f'bsds500/groundTruth/val/{stem}.mat')[1]
    sp = slic(img, n_segments=300, compactness=10, start_label=1)
    got = leakage_map(sp, seg)
    np.testing.assert_array_equal(got, leakage_reference(sp, seg))
    assert got.mean() == pytest.approx(1 - superpixel_scores(sp, seg)['asa'], abs=1e-12)
    assert 0 < got.mean() < 0.5
