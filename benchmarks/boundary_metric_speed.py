"""Cost of the boundary metric at 5 tolerances next to a model's forward pass, on CPU.

    python benchmarks/boundary_metric_speed.py [--configs C ...] [--iters 3] [--images 3]

Input: the real Cityscapes frame of MMSegmentation's test data (frankfurt_000000_000294,
256x128) and its 19-class train-id labels, resized to 1024x2048 (nearest for labels).
Predictions to score are derived from the ground truth the way segmentors err: the label
map at stride 8 and at stride 32 (blocky edges, lost thin objects), and a stress case with
2% of pixels set to a random class (edges everywhere). For each config, the model's
``test_step`` on the 1024x2048 image (preprocessing, forward, resize of the logits;
untrained weights: speed does not depend on them) and ``boundary_counts`` (19 classes + all,
tolerances 1..5, ignore 255) are timed in the same process, one after the other, and the ratio
metric / forward is printed. The goal: the metric costs at most one forward per image.
"""

from __future__ import annotations

import argparse
import os.path as osp
import statistics
import time

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.ops.boundaries import boundary_counts

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

FRAME = osp.join(REPO, 'tests', 'data', 'pseudo_cityscapes_dataset')  # MMSeg's sample frame
IMAGE = osp.join(FRAME, 'leftImg8bit/val/frankfurt/frankfurt_000000_000294_leftImg8bit.png')
LABEL = osp.join(FRAME, 'gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_labelTrainIds.png')
CONFIGS = [
    'configs/hc/fcn32_r18-v1c_1xb4-600i_camvid-256x256.py',
    'configs/hc/fcn32_r101-v1c_8xb2-50k_cityscapes-1024x1024.py',
]
SHAPE = (1024, 2048)


def predictions(gt: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """Prediction-like label maps (H, W) derived from the ground truth."""
    h, w = gt.shape
    filled = np.where(gt == 255, 0, gt).astype(np.uint8)  # a model predicts everywhere

    def at_stride(s: int) -> np.ndarray:
        small = cv2.resize(filled, (w // s, h // s), interpolation=cv2.INTER_NEAREST)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)

    rng = np.random.default_rng(seed)
    noisy = filled.copy()
    flip = rng.random(gt.shape) < 0.02
    noisy[flip] = rng.integers(0, 19, flip.sum())
    return {'stride 8': at_stride(8), 'stride 32': at_stride(32), '2% noise': noisy}


def forward_step(config: str, image: np.ndarray):
    """A closure running the config's model ``test_step`` on one (H, W, 3) BGR image."""
    cfg = Config.fromfile(osp.join(REPO, config) if not osp.isabs(config) else config)
    cfg.model.pop('pretrained', None)
    cfg.model.backbone.pop('init_cfg', None)
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).eval()
    shape = image.shape[:2]
    data = dict(
        inputs=[torch.from_numpy(image).permute(2, 0, 1).contiguous()],
        data_samples=[
            SegDataSample(metainfo=dict(img_shape=shape, ori_shape=shape, pad_shape=shape))
        ],
    )

    def step() -> None:
        with torch.no_grad():
            model.test_step(data)

    return step


def time_metric(pred: np.ndarray, gt: np.ndarray, iters: int) -> list[float]:
    times = []
    boundary_counts(pred, gt, 19)  # warm-up
    for _ in range(iters):
        t0 = time.perf_counter()
        boundary_counts(pred, gt, 19, (1, 2, 3, 4, 5), 255)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--configs', nargs='+', default=CONFIGS)
    parser.add_argument('--iters', type=int, default=3, help='timed forward passes')
    parser.add_argument('--images', type=int, default=5, help='timed metric calls per case')
    args = parser.parse_args()
    register_all_modules(init_default_scope=True)
    label = cv2.imread(LABEL, cv2.IMREAD_UNCHANGED)
    image = cv2.imread(IMAGE)
    if label is None or image is None:
        raise FileNotFoundError(f'cannot read {LABEL} or {IMAGE}')
    image = cv2.resize(image, SHAPE[::-1], interpolation=cv2.INTER_LINEAR)
    gt = cv2.resize(label, SHAPE[::-1], interpolation=cv2.INTER_NEAREST).astype(np.int64)
    preds = predictions(gt)
    print(
        f'torch {torch.__version__}, {torch.get_num_threads()} threads; '
        f'input {SHAPE[0]}x{SHAPE[1]}, 19 classes, tolerances 1-5 px'
    )
    metric_ms = {}
    for name, pred in preds.items():
        t = time_metric(pred.astype(np.int64), gt, args.images)
        metric_ms[name] = statistics.median(t)
        print(
            f'boundary metric, {name:9s}: median {metric_ms[name]:7.1f} ms/image '
            f'(min {min(t):.1f}, max {max(t):.1f}, {args.images} calls)',
            flush=True,
        )
    rows = []
    for config in args.configs:
        step = forward_step(config, image)
        step()  # warm-up
        times = []
        for _ in range(args.iters):
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1000)
        fwd = statistics.median(times)
        # the metric again right after the forward, so both see the same machine load
        again = statistics.median(time_metric(preds['stride 8'].astype(np.int64), gt, 2))
        rows.append((osp.basename(config), fwd, again))
        print(
            f'forward {osp.basename(config)}: median {fwd:.0f} ms/image '
            f'({args.iters} timed after 1 warm-up); metric (stride 8) just after: '
            f'{again:.0f} ms',
            flush=True,
        )
    print(
        '\n| model (forward, CPU) | forward ms/img | metric ms/img: stride 8 | stride 32 |'
        ' 2% noise | metric / forward (worst case) |'
    )
    print('|---|---|---|---|---|---|')
    for name, fwd, again in rows:
        worst = max(max(metric_ms.values()), again)
        print(
            f'| {name} | {fwd:.0f} | {metric_ms["stride 8"]:.0f} (again: {again:.0f}) | '
            f'{metric_ms["stride 32"]:.0f} | {metric_ms["2% noise"]:.0f} | '
            f'{worst / fwd:.2f} |'
        )


if __name__ == '__main__':
    main()
