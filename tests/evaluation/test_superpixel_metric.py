"""SuperpixelMetric on real BSDS500 images scores SLIC like the ops do, over all annotators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mmseg.registry import METRICS
from skimage.io import imread
from skimage.segmentation import slic

import segplug  # noqa: F401
from segplug.datasets import load_bsds_groundtruth
from segplug.ops.superpixel_scores import superpixel_scores_multi


def test_metric_averages_images_and_annotators(test_data: Path) -> None:
    root = test_data / 'bsds500'
    stems = [p.stem for p in sorted((root / 'images/val').glob('*.jpg'))[:2]]
    metric = METRICS.build(dict(type='SuperpixelMetric', tolerance=2, convention='segplug'))
    expected = []
    for stem in stems:
        sp = slic(imread(root / f'images/val/{stem}.jpg'), n_segments=150, start_label=1)
        mat = str(root / f'groundTruth/val/{stem}.mat')
        metric.process(None, [dict(pred_superpixels=dict(data=sp[None]), seg_map_path=mat)])
        expected.append(superpixel_scores_multi(sp, list(load_bsds_groundtruth(mat)[0]), 2))
    res = metric.evaluate(2)
    mean = {k: np.mean([e[k] for e in expected]) for k in expected[0]}
    assert res['ASA'] == pytest.approx(100 * mean['asa'], abs=0.006)
    assert res['BR'] == pytest.approx(100 * mean['boundary_recall'], abs=0.006)
    assert res['BP'] == pytest.approx(100 * mean['boundary_precision'], abs=0.006)
    assert res['UE'] == pytest.approx(100 * mean['undersegmentation_error'], abs=0.006)
    assert res['N'] == pytest.approx(mean['n_superpixels'], abs=0.06)


def test_ground_truth_as_superpixels_is_perfect_against_its_annotator(
    test_data: Path, tmp_path: Path
) -> None:
    import scipy.io as sio

    mat = sorted((test_data / 'bsds500/groundTruth/val').glob('*.mat'))[0]
    cell = sio.loadmat(str(mat))['groundTruth'][:, :1]  # keep annotator 0 only
    one = tmp_path / mat.name
    sio.savemat(str(one), {'groundTruth': cell})
    seg = cell[0, 0]['Segmentation'][0, 0]
    metric = METRICS.build(dict(type='SuperpixelMetric', tolerance=0))
    metric.process(None, [dict(pred_superpixels=seg, seg_map_path=str(one))])
    res = metric.evaluate(1)
    assert res['ASA'] == 100 and res['BR'] == 100 and res['BP'] == 100 and res['UE'] == 0


def test_missing_prediction_and_mat(tmp_path: Path) -> None:
    metric = METRICS.build(dict(type='SuperpixelMetric'))
    with pytest.raises(ValueError, match='pred_superpixels'):
        metric.process(None, [dict(img_path='a.jpg', seg_map_path='a.mat')])
    with pytest.raises(FileNotFoundError, match='nothere.mat'):
        metric.process(
            None,
            [dict(pred_superpixels=np.zeros((3, 3)), seg_map_path=str(tmp_path / 'nothere.mat'))],
        )
