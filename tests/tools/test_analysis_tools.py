"""Evaluation and analysis tools on one tiny HC run (trained once for the module):

tools/test.py --report-dir (1 and 2 processes agree), tools/show_predictions.py panels,
tools/plot_curves.py curves and tools/analysis/hc_thin_classes.py (one backbone pass gives
what the two evaluation functions give on their own).
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmseg.registry import DATASETS

from segplug.apis import load_model
from segplug.evaluation.cluster_leakage import cluster_leakage
from segplug.evaluation.decoding_ceiling import decoding_ceiling, iou_from_confusion
from segplug.ops.boundaries import label_edges
from tests.engine.test_ddp import free_port
from tests.helpers import DEMO_DATA, PY, REPO, TEST, TRAIN, dump_cfg, run_tool, tiny_cfg

pytestmark = pytest.mark.slow  # tools run as subprocesses

ENV = {'PYTHONPATH': str(REPO)}


@pytest.fixture(scope='module')
def hc_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """HCFCN-32 trained 6 iterations with IoU + boundary validation at 3 and 6.

    3 val frames: over 2 ranks one rank gets a padded duplicate that must not count.
    Returns the dumped config's path and the work dir.
    """
    tmp = tmp_path_factory.mktemp('hc_run')
    cfg = tiny_cfg(tmp / 'work', max_iters=6, ckpt_interval=6, n_val=3, val_interval=3)
    cfg.model.type = 'HCEncoderDecoder'
    cfg.model.backbone.type = 'HCResNet'
    cfg.model.backbone.hc_levels = 2
    cfg.val_evaluator = [
        dict(type='IoUMetric', iou_metrics=['mIoU']),
        dict(type='BoundaryMetric', tolerances=(1, 2, 3, 4, 5)),
    ]
    cfg.test_evaluator = cfg.val_evaluator
    path = dump_cfg(cfg, tmp / 'cfg.py')
    run_tool([PY, TRAIN, path], env=ENV)
    # 6 iterations from scratch usually predict one class everywhere (no edges to score):
    # seeded random classifier weights make the predicted classes follow the features, so
    # the boundary numbers compared below are not trivially empty
    ckpt = torch.load(tmp / 'work/iter_6.pth', map_location='cpu', weights_only=False)
    w = ckpt['state_dict']['decode_head.conv_seg.weight']
    gen = torch.Generator().manual_seed(0)
    ckpt['state_dict']['decode_head.conv_seg.weight'] = torch.randn(w.shape, generator=gen)
    torch.save(ckpt, tmp / 'work/varied.pth')
    return path, tmp / 'work'


def test_report_one_vs_two_processes(hc_run: tuple[str, Path], tmp_path: Path) -> None:
    path, work = hc_run
    ckpt = str(work / 'varied.pth')
    one = run_tool(
        [
            PY,
            TEST,
            path,
            ckpt,
            '--work-dir',
            str(tmp_path / 't1'),
            '--report-dir',
            str(tmp_path / 'r1'),
        ],
        env=ENV,
    )
    run_tool(
        [
            'bash',
            'tools/dist_test.sh',
            path,
            ckpt,
            '2',
            '--work-dir',
            str(tmp_path / 't2'),
            '--report-dir',
            str(tmp_path / 'r2'),
        ],
        env=dict(ENV, PORT=free_port()),
    )
    m1 = json.loads((tmp_path / 'r1/metrics.json').read_text())
    m2 = json.loads((tmp_path / 'r2/metrics.json').read_text())
    assert set(m1) == set(m2)
    for k in m1:
        assert m1[k] == m2[k] or (math.isnan(m1[k]) and math.isnan(m2[k])), k
    assert 0 < m1['BR@5'] < 100 and 0 < m1['BP@5'] < 100
    assert m1['BF@1'] <= m1['BF@5'] and 'BF@5.Road' in m1 and 'IoU.Road' in m1
    assert 'per-class report' in one.stdout

    # the confusion matrix holds the same pixels as the IoU metric, on both process counts
    conf1, conf2 = (
        np.loadtxt(
            tmp_path / f'r{i}/confusion_matrix.csv', delimiter=',', skiprows=1, usecols=range(1, 12)
        )
        for i in (1, 2)
    )
    np.testing.assert_array_equal(conf1, conf2)
    inter = np.diag(conf1)
    union = conf1.sum(0) + conf1.sum(1) - inter
    classes = (tmp_path / 'r1/per_class.csv').read_text().splitlines()[1:]
    for i, line in enumerate(classes):
        name = line.split(',')[0]
        iou = 100 * inter[i] / union[i] if union[i] else float('nan')
        assert (math.isnan(iou) and math.isnan(m1[f'IoU.{name}'])) or abs(
            iou - m1[f'IoU.{name}']
        ) < 0.006, name
    png = cv2.imread(str(tmp_path / 'r1/confusion_matrix.png'))
    assert png is not None and png.shape[0] > 200 and png.std() > 10


def test_curves(hc_run: tuple[str, Path]) -> None:
    _, work = hc_run
    proc = run_tool(
        [sys.executable, 'tools/plot_curves.py', str(work), '--metrics', 'mIoU', 'BF@2']
    )
    png = cv2.imread(str(work / 'curves.png'))
    assert png is not None and png.std() > 5
    # two validation points each (iterations 3 and 6)
    assert re.search(r'mIoU [0-9.]+ at 6', proc.stdout), proc.stdout
    assert re.search(r'BF@2 [0-9.]+ at 6', proc.stdout), proc.stdout


def test_panels(hc_run: tuple[str, Path], tmp_path: Path) -> None:
    path, work = hc_run
    proc = run_tool(
        [
            sys.executable,
            'tools/show_predictions.py',
            path,
            str(work / 'varied.pth'),
            '--out-dir',
            str(tmp_path),
            '--num',
            '2',
            '--tolerance',
            '2',
        ]
    )
    lines = [ln for ln in proc.stdout.splitlines() if '_panels.png' in ln]
    assert len(lines) == 2, proc.stdout
    scored = 0
    for line in lines:
        panel = cv2.imread(line.split()[0])
        assert panel is not None
        m = re.search(
            r'(\S+): true edges (\d+), false edges (\d+), missed edges (\d+), '
            r'BF@2 ([0-9.]+), (\d+) clusters',
            line,
        )
        assert m, line
        true, false, missed = (int(m.group(i)) for i in (2, 3, 4))
        gt = cv2.imread(
            str(REPO / 'data/camvid_demo/labels/val' / m.group(1).replace('.jpg', '.png')),
            cv2.IMREAD_UNCHANGED,
        )
        n_gt = label_edges(gt, valid=gt != 11).sum()  # CamVid's Unlabelled is ignored
        assert 0 < missed <= n_gt and true + false > 0
        # a random classifier may hit no true edge on a frame: then, and only then, BF is 0
        bf = float(m.group(5))
        assert 0 <= bf < 100 and (bf > 0) == (true > 0), line
        scored += bf > 0
        b, g, r = (panel[..., i].astype(int) for i in range(3))
        blue = (b > 200) & (g < 120) & (r < 60)  # missed edges drawn
        red = (r > 200) & (g < 60) & (b < 60)  # false edges drawn
        yellow = (r > 200) & (g > 200) & (b < 60)  # cluster boundaries drawn
        # drawn at the label's scale: about one drawn pixel per counted edge pixel
        assert blue.sum() >= 0.9 * missed and red.sum() >= 0.9 * false and yellow.sum() > 500
        assert panel.shape[1] > 4 * panel.shape[0]  # five panels side by side
    assert scored > 0, proc.stdout


def test_thin_classes_tool_matches_the_functions(hc_run: tuple[str, Path], tmp_path: Path) -> None:
    """The tool shares one backbone pass between the leak shares and the ceiling: its JSON
    must equal cluster_leakage and decoding_ceiling run separately on the same frames."""
    path, work = hc_run
    ckpt, out = str(work / 'varied.pth'), tmp_path / 'thin.json'
    args = ['--data-root', str(DEMO_DATA), '--max-images', '2', '--ceiling', '--json', str(out)]
    proc = run_tool([sys.executable, 'tools/analysis/hc_thin_classes.py', path, ckpt, *args])
    assert 'decoding ceiling L2/shares (IoU %)' in proc.stdout, proc.stdout
    got = json.loads(out.read_text())
    model = load_model(path, ckpt)
    cfg = model.cfg.val_dataloader.dataset
    cfg.data_root = str(DEMO_DATA)
    dataset = DATASETS.build(cfg)
    k = len(dataset.metainfo['classes'])
    assert got['classes'] == list(dataset.metainfo['classes'])
    want = cluster_leakage(model, [dataset[0], dataset[1]], k)
    assert len(got['levels']) == len(want) == 2
    for g, w in zip(got['levels'], want, strict=True):
        assert g['size'] == w['size'] and g['pixels'] == w['pixels']
        for key in ('leaked_share', 'no_seed_share', 'own_cell_leaked_share', 'entropy'):
            assert g[key] == pytest.approx(w[key], abs=1e-6), key
    ceiling = decoding_ceiling(model, [dataset[0], dataset[1]], k)
    assert sorted(got['ceiling_iou']) == sorted(ceiling) and len(ceiling) == 10
    for key, matrix in ceiling.items():
        np.testing.assert_allclose(got['ceiling_iou'][key], iou_from_confusion(matrix), err_msg=key)
