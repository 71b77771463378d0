"""The boundary and superpixel metrics' conventions against slow references written the
obvious way: two-sided edges, square windows, diagonal-relative tolerances (GSCNN), Boundary
IoU (Cheng et al., CVPR 2021), and the superpixel metric's literature default."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mmseg.registry import METRICS
from scipy import ndimage
from skimage.io import imread
from skimage.segmentation import slic

import segplug  # noqa: F401
from segplug.datasets import load_bsds_groundtruth
from segplug.ops.boundaries import (
    boundary_counts,
    boundary_iou_counts,
    boundary_iou_width,
    label_edges,
    mask_boundary,
)
from segplug.ops.superpixel_scores import superpixel_scores_multi


def random_pair(seed: int, shape=(23, 31), classes: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, classes, (shape[0] // 4 + 1, shape[1] // 4 + 1))
    gt = np.kron(coarse, np.ones((4, 4), int))[: shape[0], : shape[1]]
    pred = np.where(rng.random(shape) < 0.1, rng.integers(0, classes, shape), gt)
    gt = gt.copy()
    gt[rng.random(shape) < 0.05] = 255
    return pred, gt


def slow_edges(labels: np.ndarray, valid: np.ndarray, two_sided: bool) -> np.ndarray:
    h, w = labels.shape
    out = np.zeros((h, w), bool)
    for y in range(h):
        for x in range(w):
            for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
                if not two_sided and (dy < 0 or dx < 0):
                    continue
                v, u = y + dy, x + dx
                if (
                    0 <= v < h
                    and 0 <= u < w
                    and valid[y, x]
                    and valid[v, u]
                    and labels[y, x] != labels[v, u]
                ):
                    out[y, x] = True
    return out


def slow_matches(a: np.ndarray, b: np.ndarray, t: float, window: str) -> int:
    """Pixels of edge map a with a pixel of b within t (Euclidean disk or square)."""
    ys, xs = np.nonzero(b)
    n = 0
    for y, x in zip(*np.nonzero(a)):
        d = np.maximum(abs(ys - y), abs(xs - x)) if window == 'square' else np.hypot(ys - y, xs - x)
        n += bool(len(d)) and d.min() <= t
    return n


@pytest.mark.parametrize('seed', range(3))
@pytest.mark.parametrize(
    'two_sided,window', [(False, 'disk'), (True, 'square'), (True, 'disk'), (False, 'square')]
)
def test_class_agnostic_counts_match_reference(seed: int, two_sided: bool, window: str) -> None:
    pred, gt = random_pair(seed)
    valid = gt != 255
    c = boundary_counts(pred, gt, 4, (1, 2), 255, two_sided, window)
    p_e, g_e = slow_edges(pred, valid, two_sided), slow_edges(gt, valid, two_sided)
    np.testing.assert_array_equal(label_edges(pred, valid, two_sided=two_sided), p_e)
    assert c.n_pred[-1] == p_e.sum() and c.n_gt[-1] == g_e.sum()
    for j, t in enumerate((1, 2)):
        assert c.tp_pred[-1, j] == slow_matches(p_e, g_e, t, window)
        assert c.tp_gt[-1, j] == slow_matches(g_e, p_e, t, window)


@pytest.mark.parametrize('convention', ['segplug', 'bsds', 'gscnn'])
def test_perfect_prediction_scores_one_under_every_convention(convention: str) -> None:
    _, gt = random_pair(0)
    gt = np.where(gt == 255, 0, gt)  # ignored pixels change Boundary IoU's bands
    tols = (0.002, 0.005) if convention == 'gscnn' else (1, 2)
    metric = METRICS.build(
        dict(type='BoundaryMetric', tolerances=tols, convention=convention, boundary_iou=0.02)
    )
    metric.dataset_meta = dict(classes=['a', 'b', 'c', 'd'])
    metric.process({}, [dict(pred_sem_seg=dict(data=_t(gt)), gt_sem_seg=dict(data=_t(gt)))])
    res = metric.evaluate(1)
    scores = [k for k in res if k.startswith(('BF@', 'mBF@', 'mBIoU'))]
    assert len(scores) == 5 and all(res[k] == 100 for k in scores), res


def _t(a: np.ndarray):
    import torch

    return torch.from_numpy(a)[None]


def test_gscnn_tolerance_is_a_fraction_of_the_diagonal() -> None:
    metric = METRICS.build(
        dict(type='BoundaryMetric', convention='gscnn', tolerances=(0.00088, 0.00375, 3))
    )
    # Cityscapes 1024 x 2048: diagonal 2289.7 px
    assert metric.pixel_tolerances((1024, 2048)) == (3.0, 9.0, 3)
    assert METRICS.build(dict(type='BoundaryMetric')).pixel_tolerances((9, 9)) == (1, 2, 3, 4, 5)
    with pytest.raises(ValueError, match='convention'):
        METRICS.build(dict(type='BoundaryMetric', convention='stutz'))


def slow_mask_boundary(mask: np.ndarray, d: int) -> np.ndarray:
    """Cheng et al.'s reference: pad, erode with a 3x3 square d times, subtract."""
    padded = np.pad(mask, 1)
    eroded = ndimage.binary_erosion(padded, np.ones((3, 3)), iterations=d)[1:-1, 1:-1]
    return mask & ~eroded


@pytest.mark.parametrize('seed', range(3))
def test_boundary_iou_matches_reference(seed: int) -> None:
    pred, gt = random_pair(seed, shape=(40, 53))
    d = boundary_iou_width(gt.shape, 0.05)
    assert d == round(0.05 * np.hypot(40, 53))
    valid = gt != 255
    inter, union = boundary_iou_counts(pred, gt, 4, 0.05, 255)
    for c in range(4):
        np.testing.assert_array_equal(mask_boundary(gt == c, d), slow_mask_boundary(gt == c, d))
        g = slow_mask_boundary(gt == c, d) & valid
        p = slow_mask_boundary(pred == c, d) & valid
        assert inter[c] == (g & p).sum() and union[c] == (g | p).sum()


def test_superpixel_metric_defaults_to_the_literature_protocol(test_data: Path) -> None:
    """1 pixel, two-sided boundaries, square window (Stutz et al.; SEAL / SSN)."""
    root = test_data / 'bsds500'
    stem = sorted((root / 'images/val').glob('*.jpg'))[0].stem
    sp = slic(imread(root / f'images/val/{stem}.jpg'), n_segments=150, start_label=1)
    mat = str(root / f'groundTruth/val/{stem}.mat')
    segs = list(load_bsds_groundtruth(mat)[0])
    metric = METRICS.build(dict(type='SuperpixelMetric'))
    assert (metric.tolerance, metric.two_sided, metric.window) == (1, True, 'square')
    metric.process(None, [dict(pred_superpixels=sp, seg_map_path=mat)])
    res = metric.evaluate(1)
    ref = superpixel_scores_multi(sp, segs, 1, two_sided=True, window='square')
    assert res['BR'] == pytest.approx(100 * ref['boundary_recall'], abs=0.006)
    assert res['BP'] == pytest.approx(100 * ref['boundary_precision'], abs=0.006)
    # the older default (one-sided edges, Euclidean 2 px) is another number
    old = superpixel_scores_multi(sp, segs, 2)
    assert abs(old['boundary_recall'] - ref['boundary_recall']) > 0.005
    with pytest.raises(ValueError, match='convention'):
        METRICS.build(dict(type='SuperpixelMetric', convention='gscnn'))
