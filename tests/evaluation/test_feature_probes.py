"""The feature probes' data path and numbers (segplug.evaluation.feature_probes) in the test
process, on the repository's real CamVid frames; the command line is tests/tools'."""

from __future__ import annotations

import os.path as osp

import cv2
import pytest
import torch

from segplug.evaluation import feature_probes as fp
from tests.helpers import DEMO_DATA


def test_read_split_names_the_frames_of_the_split_file() -> None:
    stems = [s.strip() for s in open(osp.join(DEMO_DATA, 'val.txt')) if s.strip()][:2]
    files = fp.read_split(DEMO_DATA, 'val', 2)
    assert files == [
        (
            osp.join(DEMO_DATA, 'images', 'val', s + '.jpg'),
            osp.join(DEMO_DATA, 'labels', 'val', s + '.png'),
        )
        for s in stems
    ]
    assert all(osp.isfile(p) for pair in files for p in pair)
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        fp.read_split(DEMO_DATA, 'nope', 2)


@pytest.mark.parametrize('scale', [1.0, 0.5])
def test_sample_split_keeps_features_colours_and_labels_of_the_same_pixels(
    monkeypatch: pytest.MonkeyPatch, scale: float
) -> None:
    """Features = the pixel's own BGR and its row index, so each sample can be checked."""

    def features(model, img):
        h, w = img.shape[:2]
        rows = torch.arange(h, dtype=torch.float32)[:, None].expand(h, w)
        bgr = torch.from_numpy(img).permute(2, 0, 1).float()
        return torch.cat([bgr, rows[None]])  # (4, H, W)

    monkeypatch.setattr(fp, 'semantic_features', features)
    files = fp.read_split(DEMO_DATA, 'val', 2)
    gen = torch.Generator().manual_seed(0)
    feats, rgbs, labels = fp.sample_split(None, files, 50, scale, gen)
    assert len(feats) == len(rgbs) == len(labels) == 2
    for (img_path, lab_path), f, rgb, lab in zip(files, feats, rgbs, labels):
        img = cv2.imread(img_path)
        h = round(img.shape[0] * scale)
        full = cv2.imread(lab_path, cv2.IMREAD_UNCHANGED)
        assert f.shape == (50, 4) and rgb.shape == (50, 3) and lab.shape == (50,)
        torch.testing.assert_close(f[:, :3], rgb)
        assert 0 <= int(f[:, 3].min()) and int(f[:, 3].max()) < h
        assert int(lab.max()) < 11  # Unlabelled (11) is never sampled
        assert set(lab.tolist()) <= set(full.reshape(-1).tolist())


def _two_classes() -> tuple[list, list]:
    """1-D features: class 0 at 0..7, class 1 at 20 and 21 (mean 6.9, std 7.4)."""
    x = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7, 20, 21], dtype=torch.float64)[:, None]
    return [x], [torch.tensor([0] * 8 + [1] * 2)]


def test_evaluate_on_separable_features() -> None:
    train = _two_classes()
    val = ([torch.tensor([[1.0], [8.0], [19.0], [25.0]])], [torch.tensor([0, 0, 1, 1])])
    out = fp.evaluate(train, val, k=1, num_classes=2)
    assert out['knn_acc'] == out['knn_macc'] == 100.0
    # 8 standardises to (8 - 6.9) / 7.4 = 0.15, well inside class 0's side of the gap
    assert out['probe_acc'] == out['probe_macc'] == 100.0
    assert out['intra'] == pytest.approx((7 + 6) / 2)
    assert out['inter'] == pytest.approx((18 + 11 + 24 + 17) / 4)


def test_distance_ratio_needs_both_kinds_of_pairs() -> None:
    f = [torch.zeros(3, 2)]
    with pytest.raises(ValueError, match='need same- and different-class pairs'):
        fp.distance_ratio(f, [torch.tensor([0, 1, 2])])  # no same-class pair
    with pytest.raises(ValueError, match='need same- and different-class pairs'):
        fp.distance_ratio(f, [torch.tensor([1, 1, 1])])  # no different-class pair
