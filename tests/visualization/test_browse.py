"""segplug.visualization.browse_dataset: the training pipeline's crops, labels in the palette."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from segplug.visualization import browse_dataset
from tests.helpers import tiny_cfg


def test_browse_draws_pipeline_crops_with_the_palette(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'work', crop=64)
    cfg.train_dataloader.dataset.pipeline = [  # deterministic: a fixed resize, no crop
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='Resize', scale=(120, 90), keep_ratio=True),
        dict(type='PackSegInputs'),
    ]
    written = browse_dataset(cfg, str(tmp_path / 'out'), max_items=2, with_labels=False)
    assert [Path(p).name[:6] for p in written] == ['00000_', '00001_']
    assert all(p.endswith('.png') for p in written)
    from mmseg.registry import DATASETS

    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    palette = np.array(dataset.metainfo['palette'])
    alpha = 0.8  # SegLocalVisualizer's default, the demo config's visualizer
    for path, index in zip(written, range(2)):
        item = dataset[index]
        img_rgb = item['inputs'].permute(1, 2, 0).numpy()[..., ::-1].astype(float)
        label = item['data_samples'].gt_sem_seg.data[0].numpy()
        drawn = cv2.imread(path)[..., ::-1].astype(float)
        assert drawn.shape == img_rgb.shape == (90, 120, 3)
        colour = np.where(
            (label < len(palette))[..., None], palette[np.minimum(label, len(palette) - 1)], 0
        )
        expected = np.floor(img_rgb * (1 - alpha) + colour * alpha)
        assert np.abs(drawn - expected).max() <= 1
        assert (label == 255).any() and (label < 255).any()  # both kinds were checked


def test_browse_needs_somewhere_to_draw(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'work')
    with pytest.raises(ValueError, match='--output-dir'):
        browse_dataset(cfg, None, show=False)
    with pytest.raises(ValueError, match='--max'):
        browse_dataset(cfg, str(tmp_path), max_items=0)
