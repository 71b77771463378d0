"""tools/show_predictions.py draws panels of a trained HC model; tools/plot_curves.py its logs."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import cv2

from segplug.ops.boundaries import label_edges
from tests.helpers import PY, REPO, TRAIN, dump_cfg, run_tool, tiny_cfg


def test_panels_and_curves_of_a_tiny_hc_run(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'work', max_iters=4, ckpt_interval=4, n_val=2, val_interval=2)
    cfg.model.type = 'HCEncoderDecoder'
    cfg.model.backbone.type = 'HCResNet'
    cfg.model.backbone.hc_levels = 2
    path = dump_cfg(cfg, tmp_path / 'cfg.py')
    run_tool([PY, TRAIN, path], env={'PYTHONPATH': str(REPO)})

    curves = run_tool([sys.executable, 'tools/plot_curves.py', str(tmp_path / 'work'),
                       '--metrics', 'mIoU', 'aAcc'])
    png = cv2.imread(str(tmp_path / 'work/curves.png'))
    assert png is not None and png.std() > 5
    assert re.search(r'mIoU [0-9.]+ at 4', curves.stdout), curves.stdout   # 2 val points

    out = tmp_path / 'panels'
    proc = run_tool([sys.executable, 'tools/show_predictions.py', path,
                     str(tmp_path / 'work/iter_4.pth'), '--out-dir', str(out), '--num', '2',
                     '--tolerance', '2'])
    lines = [ln for ln in proc.stdout.splitlines() if '_panels.png' in ln]
    assert len(lines) == 2, proc.stdout
    for line in lines:
        panel = cv2.imread(line.split()[0])
        assert panel is not None
        m = re.search(r'(\S+): true edges (\d+), false edges (\d+), missed edges (\d+), '
                      r'BF@2 ([0-9.]+), (\d+) clusters', line)
        assert m, line
        true, false, missed = (int(m.group(i)) for i in (2, 3, 4))
        gt = cv2.imread(str(REPO / 'data/camvid_demo/labels/val' /
                            m.group(1).replace('.jpg', '.png')), cv2.IMREAD_UNCHANGED)
        n_gt = label_edges(gt, valid=gt != 11).sum()   # CamVid's Unlabelled is ignored
        assert 0 < missed <= n_gt
        if true + false == 0:   # a prediction without edges misses every ground-truth edge
            assert missed == n_gt and float(m.group(5)) == 0
        b, g, r = (panel[..., i].astype(int) for i in range(3))
        blue = (b > 200) & (g < 120) & (r < 60)        # missed edges drawn
        yellow = (r > 200) & (g > 200) & (b < 60)      # cluster boundaries drawn
        assert blue.sum() > 500 and yellow.sum() > 500
        assert panel.shape[1] > 4 * panel.shape[0]     # five panels side by side
