"""segplug.visualization.features: PCA against numpy's SVD; tools/show_features.py on a frame."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from segplug.visualization import feature_image, pca3, semantic_features
from tests.helpers import REPO, run_tool

pytestmark = pytest.mark.slow  # tools run as subprocesses

IMAGE = REPO / 'data/camvid_demo/images/val/0016E5_07959.jpg'
CONFIG = 'configs/semantic_features/semantic-features-fcn32_r18-v1c_1xb2-400i_camvid-256x256.py'


def test_pca3_equals_svd_projection() -> None:
    rng = np.random.default_rng(0)
    # anisotropic features so the top 3 components are well separated
    feats = rng.normal(size=(9, 7, 5)) * np.arange(9, 0, -1)[:, None, None] + 4.0
    x = feats.reshape(9, -1)
    x = x - x.mean(1, keepdims=True)
    u, _, _ = np.linalg.svd(x, full_matrices=False)
    ref = u[:, :3].T @ x  # (3, M), up to the sign of each component
    out = pca3(torch.from_numpy(feats)).double().numpy().reshape(3, -1)
    for k in range(3):
        sign = np.sign(ref[k] @ out[k])
        np.testing.assert_allclose(out[k], sign * ref[k], atol=1e-4)
    # the components are uncorrelated and ordered by decreasing variance
    var = out.var(1)
    assert var[0] > var[1] > var[2]
    assert abs(np.corrcoef(out)[0, 1]) < 1e-4


def test_feature_image_range_and_guided_filtering() -> None:
    torch.manual_seed(0)
    feats = torch.randn(16, 20, 24)
    img = (np.random.default_rng(0).random((20, 24, 3)) * 255).astype(np.uint8)
    for guide in (None, img):
        out = feature_image(feats, guide)
        assert out.shape == (3, 20, 24)
        assert out.min() == 0 and out.max() == 1
    assert not torch.allclose(feature_image(feats, None), feature_image(feats, img))


def test_tool_writes_feature_images(tmp_path: Path) -> None:
    # a real frame, downscaled (odd size) to keep the test short
    image = cv2.resize(cv2.imread(str(IMAGE)), (161, 121), interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(tmp_path / 'frame.png'), image)
    proc = run_tool(
        [
            sys.executable,
            'tools/show_features.py',
            CONFIG,
            str(tmp_path / 'frame.png'),
            '--out-dir',
            str(tmp_path / 'out'),
        ]
    )
    assert '128-d features' in proc.stdout
    feats = cv2.imread(str(tmp_path / 'out' / 'frame_features.png'))
    panel = cv2.imread(str(tmp_path / 'out' / 'frame_features_panel.png'))
    assert feats.shape == image.shape
    assert panel.shape == (image.shape[0], 3 * image.shape[1], 3)
    assert np.array_equal(panel[:, : image.shape[1]], image)
    assert np.array_equal(panel[:, 2 * image.shape[1] :], feats)
    assert feats.min() == 0 and feats.max() == 255  # normalised to [0, 1]
    assert feats.std() > 5  # not a flat picture


def test_refuses_a_model_without_features() -> None:
    with pytest.raises(ValueError, match='no semantic features'):
        semantic_features(torch.nn.Conv2d(3, 3, 1), np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match='differ in size'):
        feature_image(torch.zeros(4, 5, 5), np.zeros((4, 5, 3), np.uint8))
