"""tools/show_clusters.py draws the cluster boundaries of an HC model over a real image."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.helpers import REPO, run_tool

pytestmark = pytest.mark.slow  # tools run as subprocesses

IMAGE = REPO / 'data/camvid_demo/images/val/0016E5_07959.jpg'


def test_draws_clusters(tmp_path: Path) -> None:
    proc = run_tool(
        [
            sys.executable,
            'tools/show_clusters.py',
            'configs/_base_/models/hcfcn32_r18-v1c.py',
            str(IMAGE),
            '--out-dir',
            str(tmp_path),
        ]
    )
    out = tmp_path / '0016E5_07959_clusters.png'
    drawn, image = cv2.imread(str(out)), cv2.imread(str(IMAGE))
    assert drawn.shape == image.shape
    yellow = (drawn[..., 0] < 40) & (drawn[..., 1] > 215) & (drawn[..., 2] > 215)
    assert 0.01 < yellow.mean() < 0.6  # boundaries drawn, not everywhere
    n = int(proc.stdout.split(': ')[-1].split()[0])
    # 360x480 at stride 32 has 12x15 cells: at most that many clusters
    assert 1 < n <= 12 * 15 and np.isfinite(n)


def test_refuses_a_model_without_clusters(tmp_path: Path) -> None:
    proc = run_tool(
        [
            sys.executable,
            'tools/show_clusters.py',
            'configs/_base_/models/fcn32_r18-v1c.py',
            str(IMAGE),
            '--out-dir',
            str(tmp_path),
        ],
        check=False,
    )
    assert proc.returncode != 0 and 'has no HC clustering' in proc.stderr
