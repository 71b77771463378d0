"""BoundaryMetric as an MMSegmentation metric: same numbers as the op, beside IoUMetric."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmseg.registry import METRICS

import segplug  # noqa: F401  (registers the metrics)
from segplug.ops.boundaries import BoundaryCounts, boundary_counts, boundary_scores

CLASSES = ('a', 'b', 'c')


def sample(pred: np.ndarray, gt: np.ndarray, device: str | torch.device = 'cpu') -> dict:
    """A data sample as the model's test step leaves it: tensors on the model's device."""
    return dict(
        pred_sem_seg=dict(data=torch.from_numpy(pred)[None].to(device)),
        gt_sem_seg=dict(data=torch.from_numpy(gt)[None].to(device)),
    )


def pairs(seed: int = 0, n: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        gt = np.kron(rng.integers(0, 3, (4, 5)), np.ones((6, 6), np.int64))
        pred = np.roll(gt, rng.integers(-3, 4), axis=1)
        gt[:3] = 255
        out.append((pred, gt))
    return out


def test_metric_sums_counts_over_images_and_runs_beside_iou(device: torch.device, tmp_path) -> None:
    """Predictions on the model's device (CUDA in a GPU run): the same numbers as the ops."""
    data = pairs()
    init_default_scope('mmseg')
    evaluator = Evaluator(
        [
            dict(type='PerClassIoUMetric', iou_metrics=['mIoU']),
            dict(type='BoundaryMetric', tolerances=(1, 3), per_class=True),
            dict(type='ConfusionMatrixMetric', out_dir=str(tmp_path)),
        ]
    )
    evaluator.dataset_meta = dict(classes=CLASSES)
    for pred, gt in data:
        evaluator.process([sample(pred, gt, device)], None)
    res = evaluator.evaluate(len(data))
    assert 'mIoU' in res and 'BF@1' in res and 'mBF@3' in res and 'BF@3.b' in res
    valid = [(p[g != 255], g[g != 255]) for p, g in data]
    for i, name in enumerate(CLASSES):
        inter = sum(((p == i) & (g == i)).sum() for p, g in valid)
        union = sum(((p == i) | (g == i)).sum() for p, g in valid)
        assert res[f'IoU.{name}'] == pytest.approx(100 * inter / union, abs=0.006)
    matrix = np.loadtxt(
        tmp_path / 'confusion_matrix.csv', delimiter=',', skiprows=1, usecols=(1, 2, 3)
    )
    assert matrix.sum() == sum(len(g) for _, g in valid)
    assert matrix[1, 1] == sum(((p == 1) & (g == 1)).sum() for p, g in valid)

    total = BoundaryCounts.total([boundary_counts(p, g, 3, (1, 3)) for p, g in data])
    s = boundary_scores(total)
    for j, t in enumerate((1, 3)):
        assert res[f'BF@{t}'] == pytest.approx(100 * s['fscore'][-1, j], abs=0.006)
        assert res[f'BR@{t}'] == pytest.approx(100 * s['recall'][-1, j], abs=0.006)
        assert res[f'mBF@{t}'] == pytest.approx(100 * np.nanmean(s['fscore'][:3, j]), abs=0.006)
        for i, name in enumerate(CLASSES):
            assert res[f'BF@{t}.{name}'] == pytest.approx(100 * s['fscore'][i, j], abs=0.006)
    # a summed-count F is not the mean of per-image F
    per_image = [
        boundary_scores(boundary_counts(p, g, 3, (1, 3)))['fscore'][-1, 0] for p, g in data
    ]
    assert res['BF@1'] != pytest.approx(100 * np.mean(per_image), abs=0.01)


def test_perfect_prediction_and_empty_class() -> None:
    gt = np.zeros((10, 10), np.int64)
    gt[:, 5:] = 1  # class 'c' never occurs
    metric = METRICS.build(dict(type='BoundaryMetric', per_class=True))
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [sample(gt.copy(), gt)])
    res = metric.evaluate(1)
    assert res['BF@1'] == 100 and res['BPR@1'] == float('inf')
    assert np.isnan(res['BF@1.c']) and res['mBF@1'] == 100  # absent class left out


@pytest.mark.parametrize('tols', [[-1], [], ['x']])
def test_bad_tolerance_is_rejected_at_build(tols: list) -> None:
    with pytest.raises(ValueError, match='BoundaryMetric tolerances'):
        METRICS.build(dict(type='BoundaryMetric', tolerances=tols))


def test_mismatched_sizes_name_the_image() -> None:
    metric = METRICS.build(dict(type='BoundaryMetric'))
    metric.dataset_meta = dict(classes=CLASSES)
    s = sample(np.zeros((4, 4), np.int64), np.zeros((4, 5), np.int64))
    s['img_path'] = 'x/frame.png'
    with pytest.raises(ValueError, match='frame.png'):
        metric.process({}, [s])


def test_boundary_iou_of_a_one_pixel_band() -> None:
    """A one-pixel class, predicted exactly: its band (mask minus erosion) is that pixel,
    intersection 1 over union 1 = 100%, not undefined."""
    from segplug.evaluation.boundary_metric import BoundaryMetric

    gt = torch.zeros(1, 7, 7, dtype=torch.long)
    gt[0, 3, 3] = 1
    metric = BoundaryMetric(tolerances=(1,), per_class=True, boundary_iou=0.01)
    metric.dataset_meta = dict(classes=('a', 'b'))
    sample = dict(pred_sem_seg=dict(data=gt.clone()), gt_sem_seg=dict(data=gt))
    metric.process({}, [sample])
    out = metric.compute_metrics(metric.results)
    assert out['BIoU.b'] == 100.0
