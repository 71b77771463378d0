"""Leakage pictures (the HC paper's Fig. 10) and tools/analysis/show_undersegmentation.py."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage.segmentation import mark_boundaries

from segplug.ops.superpixel_scores import leakage_map
from segplug.visualization.undersegmentation import leakage_picture, side_by_side
from tests.helpers import PY, REPO, run_tool_here


def test_leakage_picture_blends_exactly_the_leaked_pixels() -> None:
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    sp = np.repeat(np.arange(4), 4)[None].repeat(12, 0)  # four vertical bands
    seg = np.zeros((12, 16), int)
    seg[:, 3:6] = 1  # band 0 leaks column 3, band 1 leaks columns 4-5
    out = leakage_picture(img, sp, seg, alpha=0.5)
    bounded = mark_boundaries(img[..., ::-1] / 255.0, sp, color=(1, 1, 0))[..., ::-1] * 255
    leak = leakage_map(sp, seg)
    assert leak.sum() == 12 * 3
    red = 0.5 * bounded + 0.5 * np.array([0, 0, 255])
    np.testing.assert_array_equal(out[leak], np.rint(red[leak]).astype(np.uint8))
    np.testing.assert_array_equal(out[~leak], np.rint(bounded[~leak]).astype(np.uint8))
    with pytest.raises(ValueError, match='differ in size'):
        leakage_picture(img[:5], sp, seg)


def test_side_by_side_layout() -> None:
    a, b = np.zeros((10, 7, 3), np.uint8), np.full((10, 5, 3), 9, np.uint8)
    out = side_by_side([('a', a), ('b', b)], gap=3)
    assert out.shape == (38, 15, 3)
    np.testing.assert_array_equal(out[28:, :7], a)
    np.testing.assert_array_equal(out[28:, 10:], b)
    assert (out[:, 7:10] == 255).all()
    with pytest.raises(ValueError, match='different heights'):
        side_by_side([('a', a), ('c', a[:4])])


def test_tool_draws_ssn_and_slic_panels(tmp_path: Path) -> None:
    root = str(REPO / 'tests/data/bsds500')
    ssn = str(REPO / 'configs/ssn/ssn_1xb8-500i_bsds500-208x208.py')
    tool = 'tools/analysis/show_undersegmentation.py'
    common = ['--data-root', root, '--count', '100', '--out-dir', str(tmp_path)]
    r = run_tool_here([PY, tool, '--model', 'SSN', ssn, '--slic', '--images', '101087', *common])
    assert r.returncode == 0, r.stderr
    rows = [line.split(' | ') for line in r.stdout.splitlines() if ' | ' in line]
    assert [row[:2] for row in rows] == [['101087', 'SSN'], ['101087', 'SLIC']]
    for row in rows:
        assert 0 < float(row[3].split()[1]) <= 100 and int(row[2]) > 1
    picture = cv2.imread(str(tmp_path / '101087_undersegmentation.png'))
    h, w = cv2.imread(str(REPO / 'tests/data/bsds500/images/val/101087.jpg')).shape[:2]
    assert picture.shape == (h + 28, 2 * w + 8, 3)
    # errors name the problem before any model is built
    bad = run_tool_here([PY, tool, '--model', 'SSN', 'nope.py', *common])
    assert bad.returncode == 2 and 'file not found: nope.py' in bad.stderr
    bad = run_tool_here([PY, tool, '--slic', '--images', 'nope', *common])
    assert bad.returncode == 1 and "['nope']" in bad.stderr
    bad = run_tool_here([PY, tool, *common])
    assert bad.returncode == 2 and 'nothing to draw' in bad.stderr
