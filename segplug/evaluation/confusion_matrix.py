"""Confusion matrix of a semantic segmentation, saved as an image (matplotlib) and as numbers."""

from __future__ import annotations

import os
import os.path as osp
from typing import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS


def confusion_matrix(
    pred: np.ndarray, gt: np.ndarray, num_classes: int, ignore_index: int = 255
) -> np.ndarray:
    """(C, C) int64 counts, rows = ground truth, columns = prediction; ignore excluded."""
    keep = (gt != ignore_index) & (gt >= 0) & (gt < num_classes)
    idx = gt[keep].astype(np.int64) * num_classes + pred[keep].astype(np.int64)
    return np.bincount(idx, minlength=num_classes**2).reshape(num_classes, num_classes)


def plot_confusion_matrix(
    matrix: np.ndarray,
    classes: Sequence[str],
    path: str,
    title: str = 'Confusion matrix (% of each ground-truth class)',
) -> None:
    """Row-normalised (C, C) matrix as a PNG: colour and the percentage in each cell."""
    import matplotlib

    matplotlib.use('Agg')  # files only; no display on servers
    import matplotlib.pyplot as plt

    rows = matrix.sum(1, keepdims=True)
    pct = np.divide(matrix * 100.0, rows, out=np.zeros(matrix.shape), where=rows > 0)
    n = len(classes)
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * n, 0.8 + 0.5 * n))
    im = ax.imshow(pct, cmap='Blues', vmin=0, vmax=100)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(n), classes, rotation=60, ha='right')
    ax.set_yticks(range(n), classes)
    ax.set_xlabel('prediction')
    ax.set_ylabel('ground truth')
    ax.set_title(title)
    for i in range(n):
        for j in range(n):
            if pct[i, j] >= 0.5:
                ax.text(
                    j,
                    i,
                    f'{pct[i, j]:.0f}',
                    ha='center',
                    va='center',
                    fontsize=7,
                    color='white' if pct[i, j] > 60 else 'black',
                )
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


@METRICS.register_module()
class ConfusionMatrixMetric(BaseMetric):
    """Accumulates the confusion matrix; writes ``confusion_matrix.png`` / ``.csv`` to ``out_dir``.

    Returns no scalar (the IoU metric already reports what the matrix implies); its output is
    the two files, written on rank 0 after the counts of all ranks are gathered.
    """

    def __init__(
        self,
        out_dir: str,
        ignore_index: int = 255,
        collect_device: str = 'cpu',
        prefix: str | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_dir = out_dir
        self.ignore_index = ignore_index

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        n = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze()
            gt = sample['gt_sem_seg']['data'].squeeze().to(pred)
            self.results.append(
                confusion_matrix(pred.cpu().numpy(), gt.cpu().numpy(), n, self.ignore_index)
            )

    def compute_metrics(self, results: list) -> dict[str, float]:
        matrix = np.sum(results, 0)
        classes = list(self.dataset_meta['classes'])
        os.makedirs(self.out_dir, exist_ok=True)
        plot_confusion_matrix(matrix, classes, osp.join(self.out_dir, 'confusion_matrix.png'))
        header = 'gt\\pred,' + ','.join(classes)
        rows = [f'{c},' + ','.join(str(int(v)) for v in row) for c, row in zip(classes, matrix)]
        with open(osp.join(self.out_dir, 'confusion_matrix.csv'), 'w') as f:
            f.write('\n'.join([header] + rows) + '\n')
        return {}
