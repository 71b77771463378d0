"""SuperpixelMetric at non-default options (tolerance, convention, prediction key) against
the op, exactly (rounded as the metric documents), on a tiny two-annotator ``.mat``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio
import torch

from segplug.evaluation import SuperpixelMetric
from segplug.ops.boundaries import EDGE_CONVENTIONS
from segplug.ops.superpixel_scores import superpixel_scores_multi


def write_mat(path: Path, segs: list[np.ndarray]) -> str:
    """A BSDS500 ground-truth file with one annotator per (H, W) map of ``segs``."""
    cell = np.empty((1, len(segs)), dtype=object)
    for k, seg in enumerate(segs):
        entry = np.empty((1, 1), dtype=[('Segmentation', object), ('Boundaries', object)])
        entry[0, 0] = (seg.astype(np.uint16), np.zeros(seg.shape, np.uint8))
        cell[0, k] = entry
    sio.savemat(str(path), {'groundTruth': cell})
    return str(path)


def annotators(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.kron(rng.integers(1, 4, (3, 4)), np.ones((5, 5), np.int64)) for _ in range(2)]


def superpixels(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 10)
    return np.kron(rng.integers(0, 6, (5, 5)), np.ones((3, 4), np.int64))


@pytest.mark.parametrize('convention', ['bsds', 'segplug'])
def test_scores_equal_the_op_rounded(convention: str, tmp_path: Path) -> None:
    metric = SuperpixelMetric(tolerance=2, convention=convention, pred_key='sp')
    assert metric.convention == convention and metric.tolerance == 2
    two_sided, window, _ = EDGE_CONVENTIONS[convention]
    assert (metric.two_sided, metric.window) == (two_sided, window)
    rows = []
    for i in range(3):  # 3 images: a mean N with more than one decimal
        segs, sp = annotators(i), superpixels(i)
        mat = write_mat(tmp_path / f'{i}.mat', segs)
        # a tensor with a batch dimension, as a model's data sample holds it
        metric.process(None, [dict(sp=dict(data=torch.from_numpy(sp)[None]), seg_map_path=mat)])
        rows.append(superpixel_scores_multi(sp, segs, 2, two_sided, window))
    out = metric.compute_metrics(metric.results)
    mean = {k: np.mean([r[k] for r in rows]) for k in rows[0]}
    assert dict(out) == {
        'ASA': round(mean['asa'] * 100, 2),
        'BR': round(mean['boundary_recall'] * 100, 2),
        'BP': round(mean['boundary_precision'] * 100, 2),
        'UE': round(mean['undersegmentation_error'] * 100, 2),
        'N': round(float(mean['n_superpixels']), 1),
    }
    assert list(out) == ['ASA', 'BR', 'BP', 'UE', 'N']
    assert out['BR'] != out['BP']


def test_default_is_the_literature_protocol() -> None:
    metric = SuperpixelMetric()
    assert (metric.tolerance, metric.convention, metric.pred_key) == (1, 'bsds', 'pred_superpixels')
    assert (metric.two_sided, metric.window) == EDGE_CONVENTIONS['bsds'][:2]


def test_size_mismatch_names_the_file(tmp_path: Path) -> None:
    mat = write_mat(tmp_path / 'g.mat', annotators(0))
    metric = SuperpixelMetric()
    with pytest.raises(
        ValueError,
        match=r'superpixels \(15, 21\) and ground truth '
        r'\(15, 20\) of .*g\.mat differ',
    ):
        metric.process(None, [dict(pred_superpixels=np.zeros((15, 21)), seg_map_path=mat)])


def test_unknown_convention_is_refused() -> None:
    with pytest.raises(ValueError, match="convention must be 'bsds' or 'segplug', got 'gscnn'"):
        SuperpixelMetric(convention='gscnn')
