"""tools/test.py --report-dir: per-class report and confusion matrix; 1 and 2 processes agree."""
from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np

from tests.engine.test_ddp import free_port
from tests.helpers import PY, REPO, TEST, TRAIN, dump_cfg, run_tool, tiny_cfg


def test_report_and_boundary_metric_one_vs_two_processes(tmp_path: Path) -> None:
    # 3 val frames over 2 ranks: one rank gets a padded duplicate that must not count
    cfg = tiny_cfg(tmp_path / 'work', max_iters=6, ckpt_interval=6, n_val=3)
    cfg.val_evaluator = [dict(type='IoUMetric', iou_metrics=['mIoU']),
                         dict(type='BoundaryMetric', tolerances=(1, 2, 3, 4, 5))]
    cfg.test_evaluator = cfg.val_evaluator
    path = dump_cfg(cfg, tmp_path / 'cfg.py')
    env = {'PYTHONPATH': str(REPO)}
    run_tool([PY, TRAIN, path], env=env)
    ckpt = str(tmp_path / 'work' / 'iter_6.pth')

    one = run_tool([PY, TEST, path, ckpt, '--work-dir', str(tmp_path / 't1'),
                    '--report-dir', str(tmp_path / 'r1')], env=env)
    run_tool(['bash', 'tools/dist_test.sh', path, ckpt, '2', '--work-dir',
              str(tmp_path / 't2'), '--report-dir', str(tmp_path / 'r2')],
             env=dict(env, PORT=free_port()))
    m1 = json.loads((tmp_path / 'r1/metrics.json').read_text())
    m2 = json.loads((tmp_path / 'r2/metrics.json').read_text())
    assert set(m1) == set(m2)
    for k in m1:
        assert m1[k] == m2[k] or (math.isnan(m1[k]) and math.isnan(m2[k])), k
    assert m1['BR@5'] > 0 and 'BF@5.Road' in m1 and 'IoU.Road' in m1
    assert 'per-class report' in one.stdout

    # the confusion matrix holds the same pixels as the IoU metric
    conf1 = np.loadtxt(tmp_path / 'r1/confusion_matrix.csv', delimiter=',', skiprows=1,
                       usecols=range(1, 12))
    conf2 = np.loadtxt(tmp_path / 'r2/confusion_matrix.csv', delimiter=',', skiprows=1,
                       usecols=range(1, 12))
    np.testing.assert_array_equal(conf1, conf2)
    inter = np.diag(conf1)
    union = conf1.sum(0) + conf1.sum(1) - inter
    classes = (tmp_path / 'r1/per_class.csv').read_text().splitlines()[1:]
    for i, line in enumerate(classes):
        name = line.split(',')[0]
        iou = 100 * inter[i] / union[i] if union[i] else float('nan')
        assert (math.isnan(iou) and math.isnan(m1[f'IoU.{name}'])) or \
            abs(iou - m1[f'IoU.{name}']) < 0.006, name
    png = cv2.imread(str(tmp_path / 'r1/confusion_matrix.png'))
    assert png is not None and png.shape[0] > 200 and png.std() > 10
