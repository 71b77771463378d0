"""segplug.visualization.panels without a network: the panels follow what the prediction holds."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from segplug.ops.boundaries import boundary_errors
from segplug.visualization import panels as panels_module
from tests.helpers import REPO

IMAGE = REPO / 'data/camvid_demo/images/val/0016E5_07959.jpg'


def test_superpixel_panel_and_error_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    tool = panels_module
    h, w = 360, 480
    pred = np.zeros((h, w), np.int64)
    pred[:, w // 2 :] = 1
    label = np.zeros((h, w), np.int64)
    label[:, w // 2 + 3 :] = 1  # edge 3 px to the right
    label[:10] = 255
    sp = (np.arange(h)[:, None] // 40) * 100 + np.arange(w)[None] // 40
    result = SegDataSample(pred_sem_seg=PixelData(data=torch.from_numpy(pred)[None]))
    result.pred_superpixels = PixelData(data=torch.from_numpy(sp)[None])
    monkeypatch.setattr(tool, 'inference_model', lambda model, img: result)

    def no_clusters(model, image):
        raise ValueError('no HC clustering')

    monkeypatch.setattr(tool, 'clusters_of', no_clusters)
    vis = SegLocalVisualizer(name='test_panels')
    vis.dataset_meta = dict(classes=('a', 'b'), palette=[[255, 0, 0], [0, 0, 255]])
    items, summary = tool.panels(None, vis, str(IMAGE), label, tolerance=2)
    titles = [t for t, _ in items]
    assert titles[:3] == ['image', 'ground truth', 'prediction']
    assert titles[3].startswith('boundary errors') and titles[4] == 'superpixels (108)'
    assert all(im.shape == (h, w, 3) for _, im in items)
    true, false, missed = boundary_errors(pred, label, 2)
    # a 3-pixel shift at tolerance 2: every edge is false or missed (350 labelled rows)
    assert true.sum() == 0 and false.sum() == missed.sum() == h - 10
    assert f'false edges {h - 10}, missed edges {h - 10}, BF@2 0.00' in summary
    magenta = (items[4][1][..., 0] > 200) & (items[4][1][..., 1] < 60) & (items[4][1][..., 2] > 200)
    assert magenta.sum() > 0.02 * h * w  # superpixel boundaries drawn
