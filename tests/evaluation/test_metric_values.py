"""Metrics at non-default options, compared by value with the ops (or a brute-force count)
key by key: ignore index, tolerances under each convention, boundary IoU, per-class values."""

from __future__ import annotations

import sys

import matplotlib
import numpy as np
import pytest
import torch

from segplug.evaluation import BoundaryMetric, ConfusionMatrixMetric, PerClassIoUMetric
from segplug.ops.boundaries import (
    EDGE_CONVENTIONS,
    BoundaryCounts,
    boundary_counts,
    boundary_iou_counts,
    boundary_scores,
)

CLASSES = ('a', 'b', 'c')
IGNORE = 7  # not MMSegmentation's 255: a metric that ignores 255 regardless fails


def images(n: int = 2, seed: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n`` (pred, gt) pairs, 24 x 30, with an ignored band in gt (n != number of classes,
    so a sum over the wrong axis changes the shape)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        gt = np.kron(rng.integers(0, 3, (4, 5)), np.ones((6, 6), np.int64))
        pred = np.roll(gt, int(rng.integers(1, 4)), axis=1)
        pred[rng.random(pred.shape) < 0.05] = 2
        gt[:4, :10] = IGNORE
        out.append((pred, gt))
    return out


def samples(pairs) -> list[dict]:
    return [
        dict(
            pred_sem_seg=dict(data=torch.from_numpy(p)[None]),
            gt_sem_seg=dict(data=torch.from_numpy(g)[None]),
            img_path=f'img{i}.png',
        )
        for i, (p, g) in enumerate(pairs)
    ]


def run(metric, pairs) -> dict:
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, samples(pairs))
    return metric.compute_metrics(metric.results)


def pct(x) -> float:
    return float(np.round(x * 100, 2))


@pytest.mark.parametrize('convention', ['segplug', 'bsds', 'gscnn'])
def test_boundary_metric_equals_the_ops_key_by_key(convention: str) -> None:
    pairs = images()
    tolerances = (0.02, 2) if convention == 'gscnn' else (1, 2.5)
    metric = BoundaryMetric(
        tolerances=tolerances,
        ignore_index=IGNORE,
        per_class=True,
        convention=convention,
        boundary_iou=0.1,
    )
    out = run(metric, pairs)
    two_sided, window, unit = EDGE_CONVENTIONS[convention]
    diagonal = np.hypot(24, 30)
    px = [t if (unit == 'px' or t >= 1) else float(np.ceil(t * diagonal)) for t in tolerances]
    counts = [boundary_counts(p, g, 3, px, IGNORE, two_sided, window) for p, g in pairs]
    s = boundary_scores(
        BoundaryCounts.total(
            [
                BoundaryCounts(np.asarray(tolerances, float), c.n_pred, c.n_gt, c.tp_pred, c.tp_gt)
                for c in counts
            ]
        )
    )
    ious = [boundary_iou_counts(p, g, 3, 0.1, IGNORE) for p, g in pairs]
    inter = sum(i for i, _ in ious).astype(float)
    union = sum(u for _, u in ious).astype(float)
    expected = {}
    for j, t in enumerate(tolerances):
        k = f'{t:g}'
        expected[f'BF@{k}'] = pct(s['fscore'][-1, j])
        expected[f'BP@{k}'] = pct(s['precision'][-1, j])
        expected[f'BR@{k}'] = pct(s['recall'][-1, j])
        expected[f'BPR@{k}'] = float(np.round(s['performance_ratio'][-1, j], 4))
        expected[f'mBF@{k}'] = pct(np.nanmean(s['fscore'][:-1, j]))
        for i, name in enumerate(CLASSES):
            expected[f'BF@{k}.{name}'] = pct(s['fscore'][i, j])
            expected[f'BP@{k}.{name}'] = pct(s['precision'][i, j])
            expected[f'BR@{k}.{name}'] = pct(s['recall'][i, j])
    expected['mBIoU'] = pct(np.mean(inter / union))
    for i, name in enumerate(CLASSES):
        expected[f'BIoU.{name}'] = pct(inter[i] / union[i])
    assert dict(out) == pytest.approx(expected)
    assert set(out) == set(expected)
    # precision and recall differ here, so a swapped prediction / ground truth shows
    assert out[f'BP@{tolerances[0]:g}'] != out[f'BR@{tolerances[0]:g}']


def test_boundary_metric_ignore_index_is_the_configured_one() -> None:
    pairs = images()
    ours = run(BoundaryMetric(tolerances=(1,), ignore_index=IGNORE), pairs)
    default = run(BoundaryMetric(tolerances=(1,)), pairs)
    assert ours['BR@1'] != default['BR@1']


def test_boundary_metric_prints_the_per_class_table(monkeypatch) -> None:
    logged = []
    module = sys.modules[BoundaryMetric.__module__]
    monkeypatch.setattr(module, 'print_log', lambda msg, **kw: logged.append(msg))
    out = run(BoundaryMetric(tolerances=(1, 2), ignore_index=IGNORE, per_class=True), images())
    assert len(logged) == 1
    text = logged[0]
    assert 'BF@1' in text and 'BF@2' in text and '(all edges)' in text
    assert f'{out["BF@2"]}' in text and f'{out["BF@1.a"]}' in text


@pytest.mark.parametrize('band', [0.0, 1.0, -0.1, 1.5])
def test_boundary_iou_band_must_be_inside_0_1(band: float) -> None:
    with pytest.raises(ValueError, match='boundary_iou'):
        BoundaryMetric(boundary_iou=band)


@pytest.mark.parametrize('band', [1e-6, 0.999])
def test_boundary_iou_band_at_the_open_ends_is_accepted(band: float) -> None:
    assert BoundaryMetric(boundary_iou=band).boundary_iou == band


def test_boundary_metric_without_edges_gives_a_nan_mean() -> None:
    flat = [(np.zeros((8, 8), np.int64), np.zeros((8, 8), np.int64))]
    assert np.isnan(run(BoundaryMetric(tolerances=(1,)), flat)['mBF@1'])


def brute_confusion(pred, gt, n, ignore):
    m = np.zeros((n, n), np.int64)
    for p, g in zip(pred.ravel(), gt.ravel()):
        if g != ignore and 0 <= g < n:
            m[g, p] += 1
    return m


def test_confusion_matrix_metric_counts_with_its_ignore_index(tmp_path) -> None:
    pairs = images()
    pairs[0][1][5, 5] = -1  # out of range labels are left out too
    pairs[0][1][6, 6] = 3
    metric = ConfusionMatrixMetric(out_dir=str(tmp_path), ignore_index=IGNORE)
    assert run(metric, pairs) == {}
    expected = sum(brute_confusion(p, g, 3, IGNORE) for p, g in pairs)
    matrix = np.loadtxt(
        tmp_path / 'confusion_matrix.csv',
        delimiter=',',
        skiprows=1,
        usecols=(1, 2, 3),
        dtype=np.int64,
    )
    np.testing.assert_array_equal(matrix, expected)
    lines = (tmp_path / 'confusion_matrix.csv').read_text().splitlines()
    assert lines[0] == 'gt\\pred,a,b,c' and lines[1].startswith('a,')
    assert (tmp_path / 'confusion_matrix.png').stat().st_size > 0


def test_confusion_matrix_plot_shows_row_percentages(tmp_path, monkeypatch) -> None:
    import matplotlib.pyplot as plt

    figures = []
    monkeypatch.setattr(plt, 'close', figures.append)
    from segplug.evaluation.confusion_matrix import plot_confusion_matrix

    matrix = np.array([[70, 30, 0, 0], [1, 199, 0, 0], [0, 0, 0, 0], [0, 60, 40, 0]])
    plot_confusion_matrix(matrix, list('abcd'), str(tmp_path / 'x' / 'cm.png'))
    assert (tmp_path / 'x' / 'cm.png').is_file()
    fig = figures[0]
    ax = fig.axes[0]
    # an empty row is 0 %, not NaN (which the image would show as masked)
    np.testing.assert_array_equal(
        np.ma.getdata(ax.images[0].get_array()),
        [[70, 30, 0, 0], [0.5, 99.5, 0, 0], [0, 0, 0, 0], [0, 60, 40, 0]],
    )
    assert ax.images[0].get_clim() == (0, 100)
    assert ax.get_xlabel() == 'prediction' and ax.get_ylabel() == 'ground truth'
    assert ax.get_title().startswith('Confusion matrix')
    texts = {
        (t.get_position(), t.get_text(), matplotlib.colors.to_hex(t.get_color())) for t in ax.texts
    }
    white, black = '#ffffff', '#000000'
    # white on dark cells (> 60 %), black up to 60 % included; nothing below 0.5 %
    assert texts == {
        ((0, 0), '70', white),
        ((1, 0), '30', black),
        ((0, 1), '0', black),
        ((1, 1), '100', white),
        ((1, 3), '60', black),
        ((2, 3), '40', black),
    }
    assert [t.get_text() for t in ax.get_xticklabels()] == list('abcd')
    assert [t.get_text() for t in ax.get_yticklabels()] == list('abcd')
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {60}
    assert tuple(fig.get_size_inches()) == pytest.approx((1.0 + 0.55 * 4, 0.8 + 0.5 * 4))
    assert fig.subplotpars.left != matplotlib.rcParams['figure.subplot.left']  # tight layout
    assert len(fig.axes) == 2  # the colour bar: narrow, just right of the matrix
    main, bar = fig.axes[0].get_position(), fig.axes[1].get_position()
    assert 0 < bar.width < 0.1 * main.width
    assert 0 < bar.x0 - main.x1 < 0.1 * main.width


def test_per_class_iou_values_with_its_ignore_index() -> None:
    pairs = images()
    metric = PerClassIoUMetric(iou_metrics=['mIoU'], ignore_index=IGNORE)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process(
        {},
        [
            dict(
                pred_sem_seg=dict(data=torch.from_numpy(p)[None]),
                gt_sem_seg=dict(data=torch.from_numpy(g)[None]),
            )
            for p, g in pairs
        ],
    )
    out = metric.compute_metrics(metric.results)
    matrix = sum(brute_confusion(p, g, 3, IGNORE) for p, g in pairs)
    for i, name in enumerate(CLASSES):
        inter = matrix[i, i]
        union = matrix[i].sum() + matrix[:, i].sum() - inter
        assert out[f'IoU.{name}'] == round(100 * inter / union, 2)
        assert out[f'Acc.{name}'] == round(100 * inter / matrix[i].sum(), 2)
    assert out['mIoU'] == pytest.approx(np.mean([out[f'IoU.{n}'] for n in CLASSES]), abs=0.01)


def test_confusion_matrix_default_ignore_index_is_255() -> None:
    from segplug.evaluation.confusion_matrix import confusion_matrix

    gt = np.array([255, 254, 0, 255])
    pred = np.array([1, 2, 0, 3])
    matrix = confusion_matrix(pred, gt, 256)  # 256 classes: 254 and 255 are in range
    assert matrix.shape == (256, 256) and matrix.sum() == 2
    assert matrix[254, 2] == 1 and matrix[0, 0] == 1


def test_confusion_matrix_text_turns_white_just_above_60_percent(tmp_path, monkeypatch) -> None:
    import matplotlib.pyplot as plt

    from segplug.evaluation.confusion_matrix import plot_confusion_matrix

    figures = []
    monkeypatch.setattr(plt, 'close', figures.append)
    plot_confusion_matrix(np.array([[121, 79], [0, 10]]), ['a', 'b'], str(tmp_path / 'cm.png'))
    texts = {t.get_text(): t for t in figures[0].axes[0].texts}
    # 60.5 % (shown rounded as '60') is dark enough for white text; 39.5 % is not
    assert matplotlib.colors.to_hex(texts['60'].get_color()) == '#ffffff'
    assert matplotlib.colors.to_hex(texts['40'].get_color()) == '#000000'
    # small enough for 19 classes (Cityscapes) to fit in their cells
    assert {t.get_fontsize() for t in texts.values()} == {7}


def test_confusion_matrix_metric_ignores_255_by_default(tmp_path) -> None:
    metric = ConfusionMatrixMetric(out_dir=str(tmp_path))
    metric.dataset_meta = dict(classes=('a', 'b'))
    gt = torch.tensor([[0, 1, 255, 255]])
    pred = torch.tensor([[0, 0, 1, 1]])
    metric.process({}, [dict(pred_sem_seg=dict(data=pred), gt_sem_seg=dict(data=gt))])
    np.testing.assert_array_equal(metric.results[0], [[1, 0], [1, 0]])
